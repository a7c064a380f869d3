import { randomUUID } from "node:crypto";
import pino from "pino";
import { loadConfig, type Config, type LogLevel } from "../../src/config.ts";
import { createLogger } from "../../src/logger.ts";
import { createLiveShare, type LiveShare } from "../../src/assembly.ts";
import { openDatabase } from "../../src/storage/open.ts";
import type { Database } from "../../src/storage/database.ts";
import { TEST_DATABASE_URL } from "./env.ts";
import { ApiClient } from "./api.ts";

export type Backend = "postgres" | "pglite";

export interface TestServer {
  liveshare: LiveShare;
  port: number;
  httpUrl: string;
  wsUrl: string;
  api: ApiClient;
  db: Database;
  schema: string | undefined;
  /** Closes the server, then drops and closes its database unless it was given one. Safe to call twice. */
  close(): Promise<void>;
}

const testLogLevel = process.env.TEST_LOG_LEVEL as LogLevel | undefined;
/** Silent unless TEST_LOG_LEVEL is set (then JSON logs to stdout, to debug a failing test). */
const testLogger = testLogLevel
  ? createLogger({ level: testLogLevel })
  : { root: pino({ level: "silent" }), child: () => pino({ level: "silent" }) };

/** A fresh database: a new PostgreSQL schema (default) or an in-memory PGlite. */
export async function newDatabase(backend: Backend = "postgres"): Promise<{ db: Database; schema: string | undefined }> {
  if (backend === "pglite") return { db: await openDatabase({ databaseUrl: "memory://", dataDir: "" }), schema: undefined };
  const schema = `test_${randomUUID().replaceAll("-", "")}`;
  return { db: await openDatabase({ databaseUrl: TEST_DATABASE_URL, dataDir: "", schema }), schema };
}

/** Like Hocuspocus's `newHocuspocus()`: a LiveShare on port 0 with its own database. */
export async function newLiveShare(env: Record<string, string> = {}, options: { backend?: Backend; db?: Database } = {}): Promise<TestServer> {
  const config: Config = loadConfig({ PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent", ...env });
  const owned = options.db ? undefined : await newDatabase(options.backend);
  const db = options.db ?? owned!.db;
  const liveshare = await createLiveShare(config, { db, logger: testLogger });
  const port = await liveshare.listen();
  const httpUrl = `http://127.0.0.1:${port}`;
  let closing: Promise<void> | undefined;
  return {
    liveshare,
    port,
    httpUrl,
    wsUrl: `ws://127.0.0.1:${port}`,
    api: new ApiClient(httpUrl),
    db,
    schema: owned?.schema,
    close() {
      closing ??= (async () => {
        await liveshare.close();
        if (owned) {
          if (owned.schema) await db.query(`DROP SCHEMA IF EXISTS "${owned.schema}" CASCADE`).catch(() => {});
          await db.close();
        }
      })();
      return closing;
    },
  };
}
