import { mkdir } from "node:fs/promises";
import path from "node:path";
import { lockDataDir } from "./data-dir-lock.ts";
import type { Database } from "./database.ts";
import { migrate } from "./migrate.ts";

export interface OpenDatabaseOptions {
  /** `postgres://…`, `memory://`, or undefined for PGlite in `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  /** PostgreSQL schema to use (tests); the default search_path otherwise. */
  schema?: string;
}

/**
 * Opens the configured database and brings its schema up to date. An embedded database in DATA_DIR
 * is locked to this process until `close()` (see `data-dir-lock.ts`).
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const url = options.databaseUrl;
  // Each driver is loaded only when used: PGlite's WebAssembly build alone adds ~100 MB to a server
  // that runs on PostgreSQL.
  let db: Database;
  if (url && !url.startsWith("memory://")) {
    db = await (await import("./postgres.ts")).openPostgres({ url, ...(options.schema ? { schema: options.schema } : {}) });
  } else if (url) {
    db = await (await import("./pglite.ts")).openPglite(undefined);
  } else {
    await mkdir(options.dataDir, { recursive: true });
    const lock = await lockDataDir(options.dataDir);
    try {
      const embedded = await (await import("./pglite.ts")).openPglite(path.join(options.dataDir, "pglite"));
      db = { ...embedded, close: () => embedded.close().finally(() => lock.release()) };
    } catch (error) {
      await lock.release();
      throw error;
    }
  }
  try {
    await migrate(db);
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
  return db;
}
