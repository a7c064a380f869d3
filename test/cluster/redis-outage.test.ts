import { afterAll, describe, expect, it } from "vitest";
import { applyOperation } from "../../src/schema-doc/index.ts";
import { ApiClient } from "../helpers/api.ts";
import { freshDatabase, startServerProcess, type ServerProcess } from "../helpers/process.ts";
import { acknowledged, newProvider, synced, type TestProvider } from "../helpers/provider.ts";
import { freePort, startRedis } from "../helpers/net.ts";
import { tableNames } from "../helpers/schema.ts";
import { waitFor } from "../helpers/wait.ts";

const names = (p: TestProvider) => tableNames(p.doc).join(",");

describe("losing Redis", () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => {});
  });

  // SPEC: DUR-10, REST-11
  it("keeps each instance serving its own clients, reports degraded, and catches up when Redis returns", async () => {
    const redisPort = await freePort();
    let redis = await startRedis(redisPort);
    cleanup.push(async () => redis.kill("SIGKILL"));
    const db = await freshDatabase();
    cleanup.push(() => db.drop());
    const env = { DATABASE_URL: db.url, REDIS_URL: `redis://127.0.0.1:${redisPort}` };
    const [a, b] = (await Promise.all([startServerProcess(env), startServerProcess(env)])) as [ServerProcess, ServerProcess];
    cleanup.push(() => a.stop(), () => b.stop());

    const api = new ApiClient(a.httpUrl);
    const owner = await api.room("outage-owner");
    const pa = newProvider(a.wsUrl, owner.roomId, owner.token);
    const pb = newProvider(b.wsUrl, owner.roomId, owner.token);
    cleanup.push(async () => pa.destroy(), async () => pb.destroy());
    await Promise.all([synced(pa), synced(pb)]);
    applyOperation(pa.doc, { type: "CreateTable", name: "before", x: 0, y: 0 }, "t");
    await waitFor(() => names(pb) === "before", "the first edit to cross instances");

    redis.kill("SIGKILL");
    await waitFor(async () => (await api.request("GET", "/readyz")).body.checks.redis === false, "readyz to notice Redis is gone");
    const ready = await api.request("GET", "/readyz");
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe("degraded");
    const metrics = await (await fetch(`${a.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/^liveshare_redis_up 0$/m);

    // Both instances keep serving and acknowledging their own clients.
    applyOperation(pa.doc, { type: "CreateTable", name: "during-a", x: 0, y: 0 }, "t");
    applyOperation(pb.doc, { type: "CreateTable", name: "during-b", x: 0, y: 0 }, "t");
    await Promise.all([acknowledged(pa), acknowledged(pb)]);

    redis = await startRedis(redisPort);
    await waitFor(() => names(pa) === "before,during-a,during-b" && names(pb) === names(pa), "both sides to catch up after Redis returns", 20_000);
    await waitFor(async () => (await api.request("GET", "/readyz")).body.status === "ready", "readyz to recover");
    expect(a.output()).toContain("redis connection lost");
  }, 90_000);
});
