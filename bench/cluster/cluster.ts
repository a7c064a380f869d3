/**
 * Several instances (issue: scale out): edit latency between clients on the same instance versus
 * across two instances, and the Redis traffic per edit and per presence update.
 * Two LiveShare processes share a fresh PostgreSQL database and a private redis-server.
 *
 * Run: npm run bench:cluster
 */
import { Redis } from "ioredis";
import { applyOperation, readSchema } from "../../src/schema-doc/index.ts";
import { ApiClient } from "../../test/helpers/api.ts";
import { freshDatabase, startServerProcess } from "../../test/helpers/process.ts";
import { freePort, startRedis } from "../../test/helpers/net.ts";
import { newProvider, synced } from "../../test/helpers/provider.ts";
import { sleep, waitFor } from "../../test/helpers/wait.ts";

const EDITS = 300;
const PRESENCE_UPDATES = 300;

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!;

const redisPort = await freePort();
const redisServer = await startRedis(redisPort);
const db = await freshDatabase();
const env = { DATABASE_URL: db.url, REDIS_URL: `redis://127.0.0.1:${redisPort}`, LOG_LEVELS: "connections=warn,auth=warn" };
const [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
const redis = new Redis(redisPort, "127.0.0.1");
const stats = async () => {
  const info = await redis.info("stats");
  const read = (key: string) => Number(info.match(new RegExp(`${key}:(\\d+)`))![1]);
  return { in: read("total_net_input_bytes"), out: read("total_net_output_bytes"), commands: read("total_commands_processed") };
};
try {
  const api = new ApiClient(a.httpUrl);
  const { token, roomId } = await api.room("bench");
  const sender = newProvider(a.wsUrl, roomId, token);
  const sameInstance = newProvider(a.wsUrl, roomId, token);
  const otherInstance = newProvider(b.wsUrl, roomId, token);
  await Promise.all([synced(sender), synced(sameInstance), synced(otherInstance)]);
  applyOperation(sender.doc, { type: "CreateTable", table_id: "bench-table", name: "bench", x: 0, y: 0 }, "bench");
  await waitFor(() => readSchema(otherInstance.doc).tables.length === 1, "the table to reach instance B");

  const sentAt = new Map<number, number>();
  const latencies = { same: [] as number[], other: [] as number[] };
  for (const [receiver, into] of [[sameInstance, latencies.same], [otherInstance, latencies.other]] as const) {
    const seen = new Set<number>();
    receiver.doc.getMap("tables").observeDeep(() => {
      const x = readSchema(receiver.doc).tables[0]?.x ?? -1;
      const at = sentAt.get(x);
      // Each position is counted once per receiver, when it first shows.
      if (at === undefined || seen.has(x)) return;
      seen.add(x);
      into.push(performance.now() - at);
    });
  }
  await sleep(500);
  const beforeEdits = await stats();
  for (let i = 1; i <= EDITS; i++) {
    sentAt.set(i, performance.now());
    applyOperation(sender.doc, { type: "MoveTable", table_id: "bench-table", x: i, y: i }, "bench");
    await sleep(20);
  }
  await sleep(1000);
  const afterEdits = await stats();

  const beforePresence = await stats();
  for (let i = 0; i < PRESENCE_UPDATES; i++) {
    sender.provider.setAwarenessField("cursor", { x: i, y: i });
    await sleep(20);
  }
  await sleep(1000);
  const afterPresence = await stats();

  const row = (name: string, values: number[]) =>
    `| ${name} | ${values.length}/${EDITS} | ${percentile(values, 50).toFixed(1)} ms | ${percentile(values, 99).toFixed(1)} ms |`;
  console.log(`# LiveShare cluster benchmark — ${new Date().toISOString()}`);
  console.log("\n## Edit latency, sender on instance A (one MoveTable every 20 ms)");
  console.log("| receiver | delivered | p50 | p99 |\n|---|---:|---:|---:|");
  console.log(row("same instance (A)", latencies.same));
  console.log(row("other instance (B, via Redis)", latencies.other));
  const per = (after: { in: number; out: number; commands: number }, before: typeof after, n: number) =>
    `${((after.in - before.in) / n).toFixed(0)} B in, ${((after.out - before.out) / n).toFixed(0)} B out, ${((after.commands - before.commands) / n).toFixed(1)} commands`;
  console.log("\n## Redis traffic (two instances, one room)");
  console.log(`per edit: ${per(afterEdits, beforeEdits, EDITS)}`);
  console.log(`per presence update: ${per(afterPresence, beforePresence, PRESENCE_UPDATES)} (sent at 50 Hz, batched to ≤10 Hz per room by the server)`);
  for (const p of [sender, sameInstance, otherInstance]) p.destroy();
} finally {
  await Promise.all([a.stop(), b.stop()]);
  redis.disconnect();
  redisServer.kill("SIGKILL");
  await db.drop();
}
process.exit(0);
