import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyOperation, readSchema } from "../../src/schema-doc/index.ts";
import { ApiClient } from "../helpers/api.ts";
import { TEST_REDIS_URL } from "../helpers/env.ts";
import { randomOperation } from "../helpers/graph-ops.ts";
import { freshDatabase, startServerProcess, type ServerProcess } from "../helpers/process.ts";
import { acknowledged, newProvider, synced, type TestProvider } from "../helpers/provider.ts";
import { Random } from "../helpers/random.ts";
import { shapeOf } from "../helpers/schema.ts";
import { startBalancer } from "../helpers/tcp-balancer.ts";
import { sleep, waitFor } from "../helpers/wait.ts";

/** Shares the diagram with a new user and returns that user's token. */
async function member(api: ApiClient, owner: { token: string; diagramId: string }, name: string, permission: "edit" | "view" = "edit") {
  const user = await api.login(name);
  const shared = await api.request("PUT", `/api/diagrams/${owner.diagramId}/shares/${user.userId}`, { token: owner.token, body: { permission } });
  expect(shared.status).toBe(200);
  return user;
}

describe("two instances on one Redis (separate processes)", () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let a: ServerProcess;
  let b: ServerProcess;
  const providers: TestProvider[] = [];
  const connect = (server: ServerProcess, roomId: string, token: string) => {
    const p = newProvider(server.wsUrl, roomId, token);
    providers.push(p);
    return p;
  };

  beforeAll(async () => {
    db = await freshDatabase();
    const env = { DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, SNAPSHOT_INTERVAL_MS: "400" };
    [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
  }, 60_000);
  afterAll(async () => {
    for (const p of providers.splice(0)) p.destroy();
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.drop();
  });

  // SPEC: DUR-7, DUR-10
  it("converges edits and presence of clients split between instances, appending each edit once and one snapshot per interval", async () => {
    const apiA = new ApiClient(a.httpUrl);
    const owner = await apiA.room("cluster-owner");
    const random = new Random(99);
    const clients = [connect(a, owner.roomId, owner.token), connect(b, owner.roomId, owner.token), connect(a, owner.roomId, owner.token), connect(b, owner.roomId, owner.token)];
    await Promise.all(clients.map((p) => synced(p)));
    let transactions = 0;
    const started = Date.now();
    for (let step = 0; step < 80; step++) {
      const p = random.pick(clients);
      const op = randomOperation(random, readSchema(p.doc));
      if (op) {
        applyOperation(p.doc, op, "fuzz");
        transactions++;
      }
      if (random.chance(0.3)) p.provider.setAwarenessField("cursor", { x: random.int(1000), y: random.int(1000) });
      await sleep(random.int(30));
    }
    await Promise.all(clients.map((p) => acknowledged(p, 20_000)));
    await waitFor(() => clients.every((p) => shapeOf(p.doc) === shapeOf(clients[0]!.doc)), "all four clients to converge", 20_000);

    // Presence crosses instances: a client on A sees a cursor set by a client on B.
    clients[1]!.provider.setAwarenessField("cursor", { x: 4242, y: 17 });
    await waitFor(
      () => [...clients[0]!.provider.awareness!.getStates().values()].some((s) => (s as { cursor?: { x: number } }).cursor?.x === 4242),
      "a cursor from instance B to reach a client on instance A",
    );

    // Each client edit is appended by the instance it arrived at, never also by the other.
    await sleep(1000); // a snapshot interval or two, so compaction has folded some rows into activity
    const [{ appended }] = (await queryDb(db.url, `SELECT
        (SELECT coalesce(sum(edits), 0) FROM diagram_edit_activity WHERE diagram_id = $1) +
        (SELECT count(*) FROM diagram_updates WHERE diagram_id = $1 AND user_id IS NOT NULL) AS appended`, [owner.diagramId])) as [{ appended: number }];
    expect(Number(appended)).toBeGreaterThan(0);
    expect(Number(appended)).toBeLessThanOrEqual(transactions);

    // One snapshot per interval per room, whichever instance took it.
    const snapshots = (await queryDb(db.url, "SELECT extract(epoch FROM created_at) * 1000 AS at FROM liveshare_snapshots WHERE session_id = $1 ORDER BY created_at", [owner.roomId])) as { at: number }[];
    expect(snapshots.length).toBeGreaterThan(0);
    expect(snapshots.length).toBeLessThanOrEqual(Math.ceil((Date.now() - started) / 400) + 1);
    for (let i = 1; i < snapshots.length; i++) expect(Number(snapshots[i]!.at) - Number(snapshots[i - 1]!.at)).toBeGreaterThan(300);
  });

  // SPEC: AUTH-8, AUTH-9, AUTH-10
  it("applies revocation, downgrade and session end made on one instance to clients on the other", async () => {
    const apiA = new ApiClient(a.httpUrl);
    const owner = await apiA.room("cluster-owner-2");
    const revoked = await member(apiA, owner, "cluster-revoked");
    const downgraded = await member(apiA, owner, "cluster-downgraded");
    const onB = connect(b, owner.roomId, revoked.token);
    const downgradedOnB = connect(b, owner.roomId, downgraded.token);
    const ownerOnB = connect(b, owner.roomId, owner.token);
    await Promise.all([synced(onB), synced(downgradedOnB), synced(ownerOnB)]);

    expect((await apiA.request("DELETE", `/api/diagrams/${owner.diagramId}/shares/${revoked.userId}`, { token: owner.token })).status).toBe(204);
    await waitFor(() => onB.closeReasons.includes("access-revoked"), "the revoked user on B to be disconnected");

    await apiA.request("PUT", `/api/diagrams/${owner.diagramId}/shares/${downgraded.userId}`, { token: owner.token, body: { permission: "view" } });
    await sleep(300);
    applyOperation(downgradedOnB.doc, { type: "CreateTable", name: "not-allowed", x: 0, y: 0 }, "t");
    await sleep(500);
    expect(readSchema(ownerOnB.doc).tables.map((t) => t.name)).not.toContain("not-allowed");

    expect((await apiA.request("DELETE", `/api/liveshare/sessions/${owner.roomId}`, { token: owner.token })).status).toBe(204);
    await waitFor(() => ownerOnB.closeReasons.includes("session-ended"), "clients on B to learn the session ended");
  });

  it("applies a link lowered and revoked on one instance to link-only clients on the other", async () => {
    const apiA = new ApiClient(a.httpUrl);
    const owner = await apiA.room("cluster-link-owner");
    const visitor = await apiA.login("cluster-link-visitor");
    expect((await apiA.request("PATCH", `/api/diagrams/${owner.diagramId}`, { token: owner.token, body: { link_access: "edit" } })).status).toBe(200);
    const onB = connect(b, owner.roomId, visitor.token);
    await synced(onB);
    expect(onB.provider.authorizedScope).toBe("read-write");

    expect((await apiA.request("PATCH", `/api/diagrams/${owner.diagramId}`, { token: owner.token, body: { link_access: "view" } })).status).toBe(200);
    await waitFor(() => onB.provider.authorizedScope === "readonly", "the link visitor on B to become read-only");
    expect((await apiA.request("PATCH", `/api/diagrams/${owner.diagramId}`, { token: owner.token, body: { link_access: "none" } })).status).toBe(200);
    await waitFor(() => onB.closeReasons.includes("access-revoked"), "the link visitor on B to be disconnected");
  });

  // SPEC: DUR-3
  it("moves the clients of a SIGKILLed instance to the other through a load balancer, losing no acknowledged edit", async () => {
    const live = new Set([a.port, b.port]);
    const balancer = await startBalancer(() => [...live]);
    try {
      const api = new ApiClient(`http://127.0.0.1:${balancer.port}`);
      const owner = await api.room("cluster-owner-3");
      const wsUrl = `ws://127.0.0.1:${balancer.port}`;
      const clients = Array.from({ length: 4 }, () => {
        const p = newProvider(wsUrl, owner.roomId, owner.token);
        providers.push(p);
        return p;
      });
      await Promise.all(clients.map((p) => synced(p)));
      const acked = new Set<string>();
      const made = clients.map(() => [] as string[]);
      clients.forEach((p, i) =>
        p.provider.on("unsyncedChanges", ({ number }: { number: number }) => {
          if (number === 0) for (const name of made[i]!) acked.add(name);
        }),
      );
      let editing = true;
      let n = 0;
      const loop = (async () => {
        while (editing) {
          const i = n % clients.length;
          const name = `k${n++}`;
          made[i]!.push(name);
          applyOperation(clients[i]!.doc, { type: "CreateTable", name, x: n, y: 0 }, "t");
          await sleep(n % 5 === 0 ? 25 : 3);
        }
      })();
      await waitFor(() => acked.size > 10, "edits to be acknowledged");
      live.delete(a.port);
      await a.stop("SIGKILL");
      await sleep(500);
      editing = false;
      await loop;
      await Promise.all(clients.map((p) => acknowledged(p, 20_000)));
      await waitFor(() => clients.every((p) => shapeOf(p.doc) === shapeOf(clients[0]!.doc)), "clients to converge on the surviving instance", 20_000);
      const { body } = await api.request("GET", `/api/diagrams/${owner.diagramId}/schema`, { token: owner.token });
      const stored = new Set(body.tables.map((t: { name: string }) => t.name));
      expect([...acked].filter((name) => !stored.has(name))).toEqual([]);
      expect(stored.size).toBe(n);
    } finally {
      await balancer.close();
    }
  });
});

async function queryDb(url: string, text: string, params: unknown[]): Promise<unknown[]> {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows;
  } finally {
    await client.end();
  }
}
