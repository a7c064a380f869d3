/**
 * Storage and durability figures (issues: core, durability):
 * - time for a new client to receive a 500-table diagram, and its stored size versus JSON;
 * - update-log append latency with 1, 10 and 100 concurrent writers, and appends/s, on PostgreSQL and PGlite;
 * - snapshot size versus JSON and snapshot creation time for the 500-table diagram;
 * - stored size after 100,000 table moves.
 *
 * Run: npm run bench:storage   (needs PostgreSQL on 127.0.0.1:5432 like the tests)
 */
import { performance } from "node:perf_hooks";
import { gzipSync } from "node:zlib";
import * as Y from "yjs";
import { applyOperation, buildDiagram, readSchema } from "../../src/schema-doc/index.ts";
import { UpdateLog } from "../../src/storage/update-log.ts";
import { DocumentStore } from "../../src/storage/documents.ts";
import type { Database } from "../../src/storage/database.ts";
import { newDatabase, newLiveShare } from "../../test/helpers/server.ts";
import { acknowledged, newProvider, synced } from "../../test/helpers/provider.ts";

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const ms = (v: number) => `${v.toFixed(2)} ms`;
const kb = (v: number) => `${(v / 1024).toFixed(1)} KiB`;

async function joinTime(): Promise<void> {
  // The whole 500-table diagram arrives as one update of about 1.3 MB: above the 1 MiB default limit.
  const server = await newLiveShare({ SNAPSHOT_INTERVAL_MS: "3600000", MAX_MESSAGE_BYTES: String(16 * 1024 * 1024) });
  try {
    const { token, roomId, diagramId } = await server.api.room();
    const author = newProvider(server.wsUrl, roomId, token);
    await synced(author);
    buildDiagram(author.doc, { tables: 500, columnsPerTable: 10, relationships: 400, seed: 1 });
    await acknowledged(author, 60_000);
    const json = JSON.stringify(readSchema(author.doc));
    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      const started = performance.now();
      const reader = newProvider(server.wsUrl, roomId, token);
      await synced(reader, 60_000);
      times.push(performance.now() - started);
      if (readSchema(reader.doc).tables.length !== 500) throw new Error("reader did not receive the whole diagram");
      reader.destroy();
    }
    times.sort((a, b) => a - b);
    author.destroy();
    await server.liveshare.core.documents.compact(diagramId, null);
    const stored = await server.liveshare.core.documents.storedBytes(diagramId);
    const v1 = Y.encodeStateAsUpdate(author.doc).length;
    console.log("\n## A new client receiving a 500-table diagram (10 columns each, 400 relationships), PostgreSQL");
    console.log(`join until synced: median ${ms(percentile(times, 50))}, min ${ms(times[0]!)}, max ${ms(times.at(-1)!)} (7 joins, room loaded)`);
    console.log(`JSON form: ${kb(json.length)}; Yjs v1 update (what a joining client downloads): ${kb(v1)}; stored state (v2): ${kb(stored.state)} = ${(stored.state / json.length).toFixed(2)}x JSON`);

    const started = performance.now();
    const snapshot = await server.liveshare.core.snapshots.take(roomId, server.liveshare.core.rooms.get(roomId) ?? (await loaded(server, roomId, token)), "interval");
    const took = performance.now() - started;
    const [row] = await server.liveshare.core.snapshotStore.list(roomId, 1);
    console.log(`snapshot: ${kb(row!.size_bytes)} stored (${row!.compressed ? "gzip of v2" : "v2"}) = ${(json.length / row!.size_bytes).toFixed(1)}x smaller than JSON; created in ${ms(took)} (encode, compact log, insert)`);
    if (!snapshot) throw new Error("no snapshot taken");
  } finally {
    await server.close();
  }
}

/** Loads the room by connecting a client (snapshots are taken of loaded rooms). */
async function loaded(server: Awaited<ReturnType<typeof newLiveShare>>, roomId: string, token: string) {
  const p = newProvider(server.wsUrl, roomId, token);
  await synced(p);
  return server.liveshare.core.rooms.get(roomId)!;
}

async function appendLatency(kind: "postgres" | "pglite"): Promise<void> {
  const { db, schema } = await newDatabase(kind);
  try {
    const diagramId = await seedDiagram(db);
    const log = new UpdateLog(db);
    const update = Y.encodeStateAsUpdate(sampleDoc());
    console.log(`\n## Update-log appends on ${kind} (group commit; each entry ${update.length} B)`);
    console.log("| writers | appends/s | p50 | p95 | p99 | transactions |");
    console.log("|---:|---:|---:|---:|---:|---:|");
    for (const writers of [1, 10, 100]) {
      const latencies: number[] = [];
      let batches = 0;
      log.onBatch = () => batches++;
      const deadline = performance.now() + 3000;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: writers }, async () => {
          while (performance.now() < deadline) {
            const t = performance.now();
            await log.append({ diagramId, data: update, userId: null });
            latencies.push(performance.now() - t);
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      latencies.sort((a, b) => a - b);
      console.log(
        `| ${writers} | ${(latencies.length / seconds).toFixed(0)} | ${ms(percentile(latencies, 50))} | ${ms(percentile(latencies, 95))} | ${ms(percentile(latencies, 99))} | ${batches} |`,
      );
    }
  } finally {
    if (schema) await db.query(`DROP SCHEMA "${schema}" CASCADE`);
    await db.close();
  }
}

async function moves(): Promise<void> {
  const { db, schema } = await newDatabase("postgres");
  try {
    const diagramId = await seedDiagram(db);
    const documents = new DocumentStore(db);
    const log = new UpdateLog(db);
    const doc = new Y.Doc();
    buildDiagram(doc, { tables: 50, columnsPerTable: 5, relationships: 20, seed: 2 });
    await log.append({ diagramId, data: Y.encodeStateAsUpdate(doc), userId: null });
    const ids = readSchema(doc).tables.map((t) => t.id);
    const json = JSON.stringify(readSchema(doc)).length;
    const before = (await documents.compact(diagramId, null)).stateBytes;
    const pending: Promise<void>[] = [];
    doc.on("update", (update: Uint8Array) => pending.push(log.append({ diagramId, data: update, userId: null })));
    for (let i = 1; i <= 100_000; i++) {
      applyOperation(doc, { type: "MoveTable", table_id: ids[(i * 7) % ids.length]!, x: i % 4000, y: (i * 3) % 4000 }, "drag");
      if (i % 1000 === 0) await Promise.all(pending.splice(0));
      // The snapshot cadence compacts the log as the server would.
      if (i % 10_000 === 0) await documents.compact(diagramId, null);
    }
    await Promise.all(pending.splice(0));
    const after = (await documents.compact(diagramId, null)).stateBytes;
    const v1 = Y.encodeStateAsUpdate(doc).length;
    console.log("\n## Stored size after 100,000 table moves (50 tables, one editor dragging)");
    console.log(`stored state before: ${kb(before)}, after: ${kb(after)} (v2 encoding); the same document in v1 encoding: ${kb(v1)}; gzip of v1: ${kb(gzipSync(Y.encodeStateAsUpdate(doc)).length)}; JSON form: ${kb(json)}`);
  } finally {
    if (schema) await db.query(`DROP SCHEMA "${schema}" CASCADE`);
    await db.close();
  }
}

async function seedDiagram(db: Database): Promise<string> {
  const userId = "00000000-0000-4000-8000-00000000b0b0";
  const diagramId = "00000000-0000-4000-8000-00000000d1a9";
  await db.query("INSERT INTO users (id, name) VALUES ($1, 'bench') ON CONFLICT DO NOTHING", [userId]);
  await db.query("INSERT INTO diagrams (id, name, owner_id) VALUES ($1, 'bench', $2) ON CONFLICT DO NOTHING", [diagramId, userId]);
  return diagramId;
}

function sampleDoc(): Y.Doc {
  const doc = new Y.Doc();
  applyOperation(doc, { type: "CreateTable", name: "sample", x: 1, y: 2, columns: [{ name: "id", type: "uuid" }] }, "bench");
  return doc;
}

console.log(`# LiveShare storage benchmark — ${new Date().toISOString()}`);
await joinTime();
await appendLatency("postgres");
await appendLatency("pglite");
await moves();
process.exit(0);
