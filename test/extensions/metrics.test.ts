import { describe, expect, it } from "vitest";
import { applyOperation } from "../../src/schema-doc/index.ts";
import { acknowledged, newProvider, synced, type TestProvider } from "../helpers/provider.ts";
import { liveShareFixture } from "../helpers/fixture.ts";
import { waitFor } from "../helpers/wait.ts";
import { parsePrometheusText, scrape, type Scrape } from "../helpers/prom-text.ts";
import { RawYjsClient } from "./raw-client.ts";

const YJS = { protocol: "yjs" };
const SYNC = { message_type: "sync", priority: "critical" };

describe("metrics from real traffic", () => {
  const live = liveShareFixture();
  const { server, connect } = live;
  const metrics = () => scrape(`${server.httpUrl}/metrics`);
  /** Scrapes until `check` holds for a scrape, and returns that scrape. */
  const metricsWhen = async (check: (m: Scrape) => boolean, what: string): Promise<Scrape> => {
    let last: Scrape | undefined;
    await waitFor(async () => check((last = await metrics())), what);
    return last!;
  };
  const createTable = (p: TestProvider, name: string) => applyOperation(p.doc, { type: "CreateTable", name, x: 0, y: 0, columns: [] }, "test");

  it("counts joins and leaves, and brings connections and active sessions back down when users leave", async () => {
    await live.start();
    const first = await server.api.room("alice");
    const second = await server.api.room("bob");
    const [a, b, c] = [connect(first.roomId, first.token), connect(first.roomId, first.token), connect(second.roomId, second.token)];
    await Promise.all([synced(a), synced(b), synced(c)]);

    const during = await metricsWhen((m) => m.value("liveshare_connections", YJS) === 3, "three connections");
    expect(during.value("liveshare_user_join_rate", YJS)).toBe(3);
    expect(during.value("liveshare_user_leave_rate", YJS)).toBe(0);
    expect(during.value("liveshare_active_sessions_total")).toBe(2);
    expect(during.value("liveshare_session_duration_seconds_count", { outcome: "normal" })).toBe(0);

    a.destroy();
    const oneLeft = await metricsWhen((m) => m.value("liveshare_connections", YJS) === 2, "a to leave");
    expect(oneLeft.value("liveshare_user_leave_rate", YJS)).toBe(1);
    expect(oneLeft.value("liveshare_active_sessions_total")).toBe(2);

    b.destroy();
    c.destroy();
    const after = await metricsWhen((m) => m.value("liveshare_connections", YJS) === 0, "everyone to leave");
    expect(after.value("liveshare_user_join_rate", YJS)).toBe(3);
    expect(after.value("liveshare_user_leave_rate", YJS)).toBe(3);
    expect(after.value("liveshare_active_sessions_total")).toBe(0);
    expect(after.value("liveshare_session_duration_seconds_count", { outcome: "normal" })).toBe(2);
    expect(after.value("liveshare_session_duration_seconds_sum", { outcome: "normal" })).toBeGreaterThan(0);
  });

  it("starts a new session when a room that emptied fills again", async () => {
    await live.start();
    const { roomId, token } = await server.api.room();
    const a = connect(roomId, token);
    await synced(a);
    a.destroy();
    await metricsWhen((m) => m.value("liveshare_session_duration_seconds_count", { outcome: "normal" }) === 1, "the first session to end");
    const b = connect(roomId, token);
    await synced(b);
    const again = await metricsWhen((m) => m.value("liveshare_active_sessions_total") === 1, "the room to be active again");
    expect(again.value("liveshare_user_join_rate", YJS)).toBe(2);
  });

  it("counts received and sent frames and their bytes by message type", async () => {
    await live.start();
    const { roomId, token } = await server.api.room();
    const [a, b] = [connect(roomId, token), connect(roomId, token)];
    await Promise.all([synced(a), synced(b)]);
    a.provider.setAwarenessField("cursor", { x: 1, y: 2 });
    await waitFor(() => [...b.provider.awareness!.getStates().values()].some((s) => s.cursor), "a's cursor to reach b");
    const before = await metrics();

    createTable(a, "users");
    await acknowledged(a);
    await waitFor(() => b.doc.getMap("tables").size === 1, "the table to reach b");
    const after = await metrics();

    // One update frame from a, fanned out to b (a is not sent its own edit back).
    expect(after.value("liveshare_messages_received_total", SYNC) - before.value("liveshare_messages_received_total", SYNC)).toBe(1);
    expect(after.value("liveshare_bandwidth_bytes_received", { message_type: "sync" })).toBeGreaterThan(before.value("liveshare_bandwidth_bytes_received", { message_type: "sync" }));
    expect(after.value("liveshare_messages_sent_total", SYNC) - before.value("liveshare_messages_sent_total", SYNC)).toBe(1);
    expect(after.value("liveshare_bandwidth_bytes_sent", { message_type: "sync" })).toBeGreaterThan(before.value("liveshare_bandwidth_bytes_sent", { message_type: "sync" }));
    // The acknowledgement that brings a's unsyncedChanges to 0.
    expect(after.value("liveshare_messages_sent_total", { message_type: "sync_status" })).toBeGreaterThan(before.value("liveshare_messages_sent_total", { message_type: "sync_status" }));
    // Presence counts awareness by what changed; Hocuspocus's awareness frames go out through the counter.
    expect(after.value("liveshare_messages_received_total", { message_type: "awareness", priority: "normal" })).toBeGreaterThan(0);
    expect(after.value("liveshare_messages_sent_total", { message_type: "awareness", priority: "normal" })).toBeGreaterThan(0);
    expect(after.value("liveshare_bandwidth_bytes_received", { message_type: "awareness" })).toBeGreaterThan(0);
  });

  it("observes the receive-to-fan-out latency of every document update", async () => {
    await live.start();
    const { roomId, token } = await server.api.room();
    const [a, b] = [connect(roomId, token), connect(roomId, token)];
    await Promise.all([synced(a), synced(b)]);
    const before = await metrics();

    for (const name of ["users", "orders", "items"]) {
      createTable(a, name);
      await acknowledged(a);
    }
    await waitFor(() => b.doc.getMap("tables").size === 3, "the tables to reach b");
    const after = await metrics();

    const count = (m: Scrape) => m.value("liveshare_message_latency_seconds_count", SYNC);
    expect(count(after) - count(before)).toBe(3);
    expect(after.value("liveshare_message_latency_seconds_sum", SYNC)).toBeGreaterThan(before.value("liveshare_message_latency_seconds_sum", SYNC));
    // Cumulative buckets end in +Inf, which holds every observation.
    expect(after.value("liveshare_message_latency_seconds_bucket", { ...SYNC, le: "+Inf" })).toBe(count(after));
  });

  it("counts JSON clients beside Yjs clients in one room, and their schema broadcasts", async () => {
    await live.start();
    const { roomId, token } = await server.api.room();
    const yjs = connect(roomId, token);
    await synced(yjs);
    const json = await live.join(roomId, token);

    const both = await metricsWhen((m) => m.value("liveshare_connections", { protocol: "json" }) === 1, "the JSON client to be counted");
    expect(both.value("liveshare_connections", YJS)).toBe(1);
    expect(both.value("liveshare_user_join_rate", { protocol: "json" })).toBe(1);
    expect(both.value("liveshare_active_sessions_total")).toBe(1);
    expect(both.value("liveshare_full_syncs_sent_total")).toBeGreaterThanOrEqual(1);

    // A JSON edit is received as a GraphOp; a Yjs edit reaches the JSON client as an incremental update.
    expect((await json.op({ type: "CreateTable", name: "from_json", x: 0, y: 0, columns: [] })).type).toBe("OpApplied");
    const from = json.messages.length;
    createTable(yjs, "from_yjs");
    await json.next("GraphState", (m) => !m.full, from);
    const edited = await metrics();
    expect(edited.value("liveshare_messages_received_total", { message_type: "GraphOp", priority: "critical" })).toBe(1);
    expect(edited.value("liveshare_incremental_updates_sent")).toBeGreaterThanOrEqual(1);
    expect(edited.value("liveshare_broadcast_duration_seconds_count")).toBeGreaterThanOrEqual(1);
    expect(edited.value("liveshare_messages_sent_total", { message_type: "GraphState", priority: "critical" })).toBeGreaterThanOrEqual(2);
    expect(edited.value("liveshare_bandwidth_bytes_sent", { message_type: "GraphState" })).toBeGreaterThan(0);

    json.destroy();
    const jsonLeft = await metricsWhen((m) => m.value("liveshare_connections", { protocol: "json" }) === 0, "the JSON client to leave");
    expect(jsonLeft.value("liveshare_user_leave_rate", { protocol: "json" })).toBe(1);
    expect(jsonLeft.value("liveshare_active_sessions_total")).toBe(1);
    yjs.destroy();
    const empty = await metricsWhen((m) => m.value("liveshare_active_sessions_total") === 0, "the room to empty");
    expect(empty.value("liveshare_session_duration_seconds_count", { outcome: "normal" })).toBe(1);
  });

  it("counts a room only JSON clients are in as an active session until they leave", async () => {
    await live.start();
    const { roomId, token } = await server.api.room();
    const json = await live.join(roomId, token);
    await metricsWhen((m) => m.value("liveshare_active_sessions_total") === 1, "the JSON-only room to be active");
    json.destroy();
    const after = await metricsWhen((m) => m.value("liveshare_active_sessions_total") === 0, "the JSON-only room to empty");
    expect(after.value("liveshare_session_duration_seconds_count", { outcome: "normal" })).toBe(1);
    expect(after.value("liveshare_connections", YJS)).toBe(0);
  });

  it("ends a session with outcome error when its last connection is closed for a malformed update", async () => {
    await live.start();
    const { roomId, token } = await server.api.room();
    const client = await RawYjsClient.connect(server.wsUrl, roomId, token);
    await metricsWhen((m) => m.value("liveshare_connections", YJS) === 1, "the raw client to join");

    client.sendUpdate(new Uint8Array([0xff, 0xff, 0xff]));
    const after = await metricsWhen((m) => m.value("liveshare_session_duration_seconds_count", { outcome: "error" }) === 1, "the session to end on an error");
    expect(after.value("liveshare_session_duration_seconds_count", { outcome: "normal" })).toBe(0);
    expect(after.value("liveshare_connections", YJS)).toBe(0);
    expect(after.value("liveshare_active_sessions_total")).toBe(0);
    client.close();
  });

  it("ends a session with outcome timeout when its last connection is lost without a close", async () => {
    await live.start();
    const { roomId, token } = await server.api.room();
    const client = await RawYjsClient.connect(server.wsUrl, roomId, token);
    await metricsWhen((m) => m.value("liveshare_connections", YJS) === 1, "the raw client to join");

    client.terminate();
    const after = await metricsWhen((m) => m.value("liveshare_session_duration_seconds_count", { outcome: "timeout" }) === 1, "the session to time out");
    expect(after.value("liveshare_session_duration_seconds_count", { outcome: "error" })).toBe(0);
    expect(after.value("liveshare_user_leave_rate", YJS)).toBe(1);
  });

  it("ends the sessions open at shutdown with outcome normal", async () => {
    const own = await live.start();
    const { roomId, token } = await own.api.room();
    const p = newProvider(own.wsUrl, roomId, token);
    try {
      await synced(p);
    } finally {
      await own.close();
      p.destroy();
    }
    // The server is gone; its registry is still there to read.
    const after = parsePrometheusText(await own.liveshare.core.metrics.registry.metrics());
    expect(after.value("liveshare_session_duration_seconds_count", { outcome: "normal" })).toBe(1);
    expect(after.value("liveshare_session_duration_seconds_count", { outcome: "error" })).toBe(0);
    expect(after.value("liveshare_connections", YJS)).toBe(0);
  });

  // SPEC: REST-11
  it("serves the same registry on METRICS_PORT, and nothing else there", async () => {
    await live.start({ METRICS_PORT: "0" });
    const port = server.liveshare.metricsPort;
    expect(port).toBeTypeOf("number");
    expect(port).not.toBe(server.port);
    const { roomId, token } = await server.api.room();
    const a = connect(roomId, token);
    await synced(a);

    const separate = await scrape(`http://127.0.0.1:${port}/metrics`);
    expect(separate.value("liveshare_connections", YJS)).toBe(1);
    expect(separate.families.get("process_resident_memory_bytes")?.help).toBeTruthy();
    const other = await fetch(`http://127.0.0.1:${port}/api/diagrams`);
    expect(other.status).toBe(404);
    expect((await other.json()).error.code).toBe("not_found");
  });

  it("stops serving METRICS_PORT when the server closes", async () => {
    const own = await live.start({ METRICS_PORT: "0" });
    const url = `http://127.0.0.1:${own.liveshare.metricsPort}/metrics`;
    try {
      expect((await fetch(url)).status).toBe(200);
    } finally {
      await own.close();
    }
    await expect(fetch(url)).rejects.toThrow();
  });
});
