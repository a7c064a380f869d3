import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { setFlagsFromString } from "node:v8";
import { PGlite, type Transaction } from "@electric-sql/pglite";
import type { Database, Sql } from "./database.ts";

/**
 * PostgreSQL settings for the embedded database: a LiveShare working set (documents, the update log's
 * tail, snapshots of the rooms in use) is a few megabytes, and PGlite's defaults size it for a desktop
 * PostgreSQL: 160 MB of shared buffers and 100 connections' worth of shared memory (145 MB, in the
 * WebAssembly memory, which never shrinks). Pages not in shared buffers are read from the OS page cache
 * (the files of DATA_DIR), which costs the server's RSS nothing. PGlite runs one backend, so 10
 * connection slots are plenty. None of this touches durability: every commit still writes its WAL to
 * DATA_DIR before it returns (BENCHMARKS.md, "Footprint").
 */
export const PGLITE_SETTINGS: Readonly<Record<string, string>> = {
  shared_buffers: "4MB",
  max_connections: "10",
};

/**
 * Liftoff only: V8 compiles PostgreSQL's WebAssembly with its baseline compiler and never tiers hot
 * functions up to TurboFan, whose compilations left about 50 MB in the allocator for good. Queries
 * cost slightly more CPU; LiveShare's are small. Set before the module is compiled; it only concerns
 * WebAssembly, which nothing else in LiveShare uses.
 */
const WASM_FLAGS = ["--liftoff-only"];

const startParams = () => [...PGlite.defaultStartParams, ...Object.entries(PGLITE_SETTINGS).flatMap(([name, value]) => ["-c", `${name}=${value}`])];

/**
 * Embedded PostgreSQL (PGlite, WebAssembly): a folder on disk, or memory when `dataDir` is undefined.
 * One connection, so transactions are serialised by PGlite itself.
 */
export async function openPglite(dataDir: string | undefined): Promise<Database> {
  for (const flag of WASM_FLAGS) setFlagsFromString(flag);
  if (dataDir) {
    await mkdir(dataDir, { recursive: true });
    if (!existsSync(path.join(dataDir, "PG_VERSION"))) await initialiseInChildProcess(dataDir);
  }
  const db = await PGlite.create({ ...(dataDir ? { dataDir } : {}), startParams: startParams() });
  const runner = (target: PGlite | Transaction): Sql => ({
    async query<Row>(text: string, params: readonly unknown[] = []) {
      const result = await target.query<Row>(text, params as unknown[]);
      return result.rows;
    },
    async exec(script: string) {
      await target.exec(script);
    },
  });
  return {
    kind: "pglite",
    ...runner(db),
    transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
      return db.transaction((tx) => fn(runner(tx)));
    },
    async ping() {
      await db.query("SELECT 1");
    },
    async close() {
      await db.close();
    },
  };
}

/**
 * Creates a new database folder (PostgreSQL's initdb) in a short-lived process: initdb is a second
 * WebAssembly instance with 128 MB of memory of its own, and the server would keep about 100 MB of
 * what it used for as long as it runs (the allocator does not give it back).
 */
async function initialiseInChildProcess(dataDir: string): Promise<void> {
  const script = `const [url, dataDir, params] = process.argv.slice(1);
const { PGlite } = await import(url);
const db = await PGlite.create({ dataDir, startParams: JSON.parse(params) });
await db.close();`;
  const child = spawn(process.execPath, [...WASM_FLAGS, "--input-type=module", "-e", script, import.meta.resolve("@electric-sql/pglite"), dataDir, JSON.stringify(startParams())], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", resolve);
  });
  if (code !== 0) throw new Error(`could not create the embedded database in ${dataDir}: ${stderr.trim().split("\n").at(-1) ?? `exit code ${code}`}`);
}
