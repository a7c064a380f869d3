import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { applyOperation } from "../../src/schema-doc/index.ts";
import { acknowledged, newProvider, synced, type TestProvider } from "../helpers/provider.ts";
import { liveShareFixture } from "../helpers/fixture.ts";
import { waitFor } from "../helpers/wait.ts";
import { scrape, type Scrape } from "../helpers/prom-text.ts";
import { RawYjsClient } from "./raw-client.ts";
import { JsonClient } from "../helpers/json-client.ts";

const UUID = /[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}/i;

/** Every label LiveShare's own metrics may carry, with the values it may take (null: a name, checked by shape). */
const VOCABULARY: Record<string, readonly string[] | null> = {
  protocol: ["yjs", "json"],
  priority: ["critical", "normal", "low", "volatile"],
  outcome: ["normal", "timeout", "error"],
  status: ["active", "idle", "away"],
  reason: ["invalid", "foreign", "stale", "rate_limited", "congested", "malformed-update", "unapplicable-update"],
  message_type: null,
  le: null,
};

describe("metric labels after traffic in several rooms", () => {
  const { server } = liveShareFixture({ shared: true });
  let metrics: Scrape;
  /** Every id and name the traffic used: none may show up in a label value. */
  const secrets: string[] = [];

  beforeAll(async () => {
    const providers: TestProvider[] = [];
    const jsonClients: JsonClient[] = [];
    for (let i = 0; i < 3; i++) {
      const username = `label-test-${randomUUID().slice(0, 8)}`;
      const room = await server.api.room(username);
      secrets.push(username, room.userId, room.diagramId, room.roomId);
      const [a, b] = [newProvider(server.wsUrl, room.roomId, room.token), newProvider(server.wsUrl, room.roomId, room.token)];
      providers.push(a, b);
      await Promise.all([synced(a), synced(b)]);
      a.provider.setAwarenessField("cursor", { x: i, y: i });
      applyOperation(b.doc, { type: "CreateTable", name: `t${i}`, x: 0, y: 0, columns: [{ name: "id", type: "uuid" }] }, "test");
      await acknowledged(b);
      await server.api.request("GET", `/api/liveshare/sessions/${room.roomId}`, { token: room.token });
      const json = await JsonClient.join(server.wsUrl, room.token, room.roomId);
      jsonClients.push(json);
      await json.op({ type: "RenameTable", table_id: "no-such-table", name: "x" });
      await json.op({ type: "CreateTable", name: `j${i}`, x: 1, y: 1, columns: [] });
      json.send({ type: "CursorMove", position: [i, i] });
      json.send({ type: "UserViewport", center: [0, 0], zoom: 1 });
      json.send("not json");
      // A connection thrown out for a malformed update ends with outcome "error".
      const raw = await RawYjsClient.connect(server.wsUrl, room.roomId, room.token);
      await waitFor(async () => (await scrape(`${server.httpUrl}/metrics`)).value("liveshare_connections", { protocol: "yjs" }) === 2 * i + 3, "the raw client to join");
      raw.sendUpdate(new Uint8Array([0xff]));
      await waitFor(async () => (await scrape(`${server.httpUrl}/metrics`)).value("liveshare_connections", { protocol: "yjs" }) === 2 * i + 2, "the raw client to be thrown out");
      raw.close();
    }
    for (const p of providers) p.destroy();
    for (const c of jsonClients) c.destroy();
    await waitFor(async () => (await scrape(`${server.httpUrl}/metrics`)).value("liveshare_active_sessions_total") === 0, "every room to empty");
    metrics = await scrape(`${server.httpUrl}/metrics`);
  });

  // SPEC: REST-12
  it("never carry a user, room, session or diagram id, nor a user name", () => {
    expect(metrics.value("liveshare_user_join_rate", { protocol: "yjs" })).toBeGreaterThanOrEqual(9);
    for (const sample of metrics.samples) {
      for (const [label, value] of Object.entries(sample.labels)) {
        expect(value, `${sample.name}{${label}}`).not.toMatch(UUID);
        for (const secret of secrets) expect(value, `${sample.name}{${label}}`).not.toContain(secret);
      }
    }
  });

  // SPEC: REST-12
  it("use only labels with a bounded set of values on LiveShare's metrics", () => {
    const liveshare = metrics.samples.filter((s) => s.name.startsWith("liveshare_"));
    expect(liveshare.length).toBeGreaterThan(0);
    for (const sample of liveshare) {
      for (const [label, value] of Object.entries(sample.labels)) {
        expect(Object.keys(VOCABULARY), `${sample.name} has label ${label}`).toContain(label);
        const allowed = VOCABULARY[label];
        if (allowed) expect(allowed, `${sample.name}{${label}="${value}"}`).toContain(value);
        else if (label === "message_type") expect(value, sample.name).toMatch(/^[A-Za-z][A-Za-z_]{0,39}$/);
      }
    }
  });

  // SPEC: REST-12
  it("add no series naming another room when it comes and goes", async () => {
    const seriesOf = (m: Scrape) =>
      new Set(m.samples.filter((s) => s.name.startsWith("liveshare_")).map((s) => `${s.name}${JSON.stringify(Object.entries(s.labels).sort())}`));
    const before = seriesOf(metrics);
    const room = await server.api.room(`label-test-${randomUUID().slice(0, 8)}`);
    const [a, b] = [newProvider(server.wsUrl, room.roomId, room.token), newProvider(server.wsUrl, room.roomId, room.token)];
    try {
      await Promise.all([synced(a), synced(b)]);
      applyOperation(b.doc, { type: "CreateTable", name: "more", x: 0, y: 0, columns: [] }, "test");
      await acknowledged(b);
    } finally {
      a.destroy();
      b.destroy();
    }
    await waitFor(async () => (await scrape(`${server.httpUrl}/metrics`)).value("liveshare_active_sessions_total") === 0, "the room to empty");
    // Bounded labels may still show a value for the first time (a status, a close reason), so what
    // matters is that no new series names anything of this room.
    const added = [...seriesOf(await scrape(`${server.httpUrl}/metrics`))].filter((s) => !before.has(s));
    const ids = [room.roomId, room.diagramId, room.userId, `label-test`];
    expect(added.filter((series) => ids.some((id) => series.includes(id)))).toEqual([]);
    expect(added.length).toBeLessThan(10);
  });
});
