import path from "node:path";
import type { Database } from "./database.ts";
import { migrate } from "./migrate.ts";
import { openPglite } from "./pglite.ts";
import { openPostgres } from "./postgres.ts";

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
  const db = url?.startsWith("memory://")
    ? await openPglite(undefined)
    : url
      ? await openPostgres({ url, ...(options.schema ? { schema: options.schema } : {}) })
      : await openPglite(path.join(options.dataDir, "pglite"));
  try {
    await migrate(db);
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
  return db;
}
