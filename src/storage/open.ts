import path from "node:path";
import type { Database } from "./database.ts";
import { migrate } from "./migrate.ts";

export interface OpenDatabaseOptions {
  /** `postgres://…`, `memory://`, or undefined for PGlite in `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  /** PostgreSQL schema to use (tests); the default search_path otherwise. */
  schema?: string;
}

/** Opens the configured database and brings its schema up to date. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const url = options.databaseUrl;
  // Each driver is loaded only when used: PGlite's WebAssembly build alone adds ~100 MB to a server
  // that runs on PostgreSQL.
  const db =
    url && !url.startsWith("memory://")
      ? await (await import("./postgres.ts")).openPostgres({ url, ...(options.schema ? { schema: options.schema } : {}) })
      : await (await import("./pglite.ts")).openPglite(url ? undefined : path.join(options.dataDir, "pglite"));
  try {
    await migrate(db);
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
  return db;
}
