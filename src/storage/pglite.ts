import { mkdir } from "node:fs/promises";
import { PGlite, type Transaction } from "@electric-sql/pglite";
import type { Database, Sql } from "./database.ts";

/**
 * Embedded PostgreSQL (PGlite, WebAssembly): a folder on disk, or memory when `dataDir` is undefined.
 * One connection, so transactions are serialised by PGlite itself.
 */
export async function openPglite(dataDir: string | undefined): Promise<Database> {
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir ? { dataDir } : {});
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
