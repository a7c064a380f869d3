import pino from "pino";
import { describe, expect, it } from "vitest";
import { ViolationLog } from "../../src/limits/violations.ts";
import { applyOperation, readSchema } from "../../src/schema-doc/index.ts";
import { RateLimitStore } from "../../src/storage/rate-limits.ts";
import { acknowledged } from "../helpers/provider.ts";
import { liveShareFixture } from "../helpers/fixture.ts";
import { sleep, waitFor } from "../helpers/wait.ts";
import { counterValue, roomWithPeers, waitSeen } from "../awareness/helpers.ts";

describe("rate-limit records", () => {
  const live = liveShareFixture();

  for (const backend of ["postgres", "pglite"] as const) {
    // SPEC: LIM-4
    it(`adds a window's counts to what is stored for it, and skips rows whose session is gone (${backend})`, async () => {
      const server = await live.start({}, { backend });
      const { roomId, userId } = await server.api.room();
      const log = new ViolationLog({ store: new RateLimitStore(server.db), logger: pino({ level: "silent" }), flushMs: 60_000 });
      const minute = Date.UTC(2026, 0, 1, 12, 0);
      log.record(roomId, userId, "cursor", minute + 1_000);
      log.record(roomId, userId, "cursor", minute + 59_000);
      log.record(roomId, userId, "viewport", minute + 2_000);
      await log.flush();
      log.record(roomId, userId, "cursor", minute + 30_000);
      log.record(roomId, userId, "cursor", minute + 61_000);
      log.record("00000000-0000-4000-8000-000000000000", userId, "cursor", minute);
      await log.close();
      const rows = await new RateLimitStore(server.db).forSession(roomId);
      expect(rows.map((r) => [r.message_type, new Date(r.window_start).getTime() - minute, r.message_count])).toEqual([
        ["cursor", 0, 3],
        ["viewport", 0, 1],
        ["cursor", 60_000, 1],
      ]);
    });
  }
});

describe("rate limits", () => {
  const live = liveShareFixture();

  // SPEC: LIM-2
  it("drops a flooding client's cursor messages while a well-behaved client keeps its presence and document sync", async () => {
    const server = await live.start({ RATE_LIMIT_FLUSH_MS: "50" });
    const owner = await server.api.room("owner");
    const flooder = await server.api.member(owner, "flooder");
    const bad = await live.connectSynced(owner.roomId, flooder.token);
    const good = await live.connectSynced(owner.roomId, owner.token);
    const watcher = await live.connectSynced(owner.roomId, owner.token);

    let flooding = true;
    let floods = 0;
    const flood = (async () => {
      while (flooding) {
        // 500 cursor messages per burst, far over the Volatile budget (120, then 60 a second).
        for (let i = 0; i < 500; i++) bad.provider.setAwarenessField("cursor", { x: ++floods, y: 0 });
        await sleep(20);
      }
    })();
    try {
      for (let step = 1; step <= 10; step++) {
        good.provider.setAwarenessField("cursor", { x: -step, y: step });
        applyOperation(good.doc, { type: "CreateTable", name: `table ${step}`, x: step, y: 0 }, "test");
        await waitSeen(watcher, good, (s) => s.cursor?.x === -step, `the good client's cursor ${step} at the watcher`);
        await sleep(50);
      }
      await acknowledged(good);
      await waitFor(() => readSchema(watcher.doc).tables.length === 10, "every edit of the good client at the watcher");
    } finally {
      flooding = false;
      await flood;
    }

    expect(await counterValue(server, "liveshare_messages_dropped_total", { message_type: "cursor", reason: "rate_limited" })).toBeGreaterThan(0);
    expect(await counterValue(server, "liveshare_rate_limit_exceeded_total", { priority: "volatile" })).toBeGreaterThan(0);
    // The flooder's last position still arrives once its bucket refills.
    await waitSeen(watcher, bad, (s) => s.cursor?.x === floods, "the flooder's final position");
    // Recorded, aggregated per window, for the flooder only.
    const store = new RateLimitStore(server.db);
    await waitFor(async () => (await store.forSession(owner.roomId)).length > 0, "violations recorded");
    const rows = await store.forSession(owner.roomId);
    expect(rows.every((r) => r.user_id === flooder.userId && r.message_type === "cursor")).toBe(true);
    expect(rows.reduce((sum, r) => sum + r.message_count, 0)).toBeGreaterThan(100);
  });

  // SPEC: LIM-3
  it("disconnects a client flooding document updates; it reconnects and every one of its edits is in the document", async () => {
    const { server, token, roomId, peers: { flooder, watcher } } = await roomWithPeers(live, ["flooder", "watcher"], { CRITICAL_BURST: "20", CRITICAL_PER_SECOND: "10", RATE_LIMIT_FLUSH_MS: "50" });

    // 150 edits, each its own update message: far over a budget of 20 (10 a second).
    for (let i = 0; i < 150; i++) applyOperation(flooder.doc, { type: "CreateTable", name: `t${i}`, x: i, y: 0 }, "test");

    await waitFor(() => flooder.closeReasons.includes("rate-limited"), "the flooder to be told it was rate-limited");
    await acknowledged(flooder, 20_000);
    await waitFor(() => readSchema(watcher.doc).tables.length === 150, "all 150 edits at the watcher");
    const { body } = await server.api.request("GET", `/api/diagrams/${(await server.api.request("GET", `/api/liveshare/sessions/${roomId}`, { token })).body.diagram_id}/schema`, { token });
    expect(body.tables).toHaveLength(150);
    expect(await counterValue(server, "liveshare_rate_limit_exceeded_total", { priority: "critical" })).toBeGreaterThan(0);
    const store = new RateLimitStore(server.db);
    await waitFor(async () => (await store.forSession(roomId)).some((r) => r.message_type === "document_update"), "the violation recorded");
  });

  // SPEC: LIM-3
  it("never disconnects a client typing and dragging at the default Critical budget", async () => {
    const { server, peers: { editor, watcher } } = await roomWithPeers(live, ["editor", "watcher"]);
    const { op } = applyOperation(editor.doc, { type: "CreateTable", name: "dragged", x: 0, y: 0 }, "test");
    const tableId = (op as { table_id: string }).table_id;
    // Two seconds of dragging at 60 Hz, each step its own update message.
    for (let step = 1; step <= 120; step++) {
      applyOperation(editor.doc, { type: "MoveTable", table_id: tableId, x: step, y: step }, "test");
      await sleep(16);
    }
    await acknowledged(editor);
    await waitFor(() => readSchema(watcher.doc).tables[0]?.x === 120, "the last position at the watcher");
    expect(editor.closeReasons).toEqual([]);
    expect(await counterValue(server, "liveshare_rate_limit_exceeded_total", { priority: "critical" })).toBe(0);
  });
});
