import { z } from "zod";

/** Everything LiveShare reads from the environment, validated once at start-up. */
export interface Config {
  port: number;
  host: string;
  /** `postgres://…` for PostgreSQL, `memory://` for an in-memory PGlite, undefined for PGlite in `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  redisUrl: string | undefined;
  /** HS256 secret for access tokens; undefined means development mode. */
  authSecret: string | undefined;
  /** Owners may find users this server has seen by name prefix (`USER_SEARCH=off` when the main application owns the directory). */
  userSearch: boolean;
  production: boolean;
  logLevel: LogLevel;
  /** Per-module log levels, e.g. `{ persistence: "debug" }` from `LOG_LEVELS=persistence=debug`. */
  moduleLogLevels: Record<string, LogLevel>;
  metricsPort: number | undefined;
  /** Largest WebSocket message accepted, in bytes; larger ones close the socket with 1009. */
  maxMessageBytes: number;
  maxUsersPerRoom: number;
  /** How often a changed room is snapshotted, and how many stored snapshots a session keeps. */
  snapshotIntervalMs: number;
  snapshotRetention: number;
  /** Full GraphState to JSON-protocol clients every this many ms. */
  fullSyncIntervalMs: number;
  /** Activity thresholds: active → idle → away. */
  idleAfterMs: number;
  awayAfterMs: number;
  /** Critical-priority (document update) token bucket: burst and refill per second. */
  criticalBurst: number;
  criticalPerSecond: number;
  /** Outgoing broadcast batching window (Hocuspocus `flushDelay`). */
  flushDelayMs: number;
  /** Presence fan-out batching window in ms; 0 turns presence batching off. */
  presenceBatchMs: number;
  /** Presence frames to a socket with more than this many bytes buffered are dropped. */
  presenceSendBufferBytes: number;
  /** How often rate-limit violations are written to liveshare_rate_limits. */
  rateLimitFlushMs: number;
  /** A socket (either endpoint) that has not authenticated by then is closed with `auth-timeout`. */
  authTimeoutMs: number;
  /** Sockets not authenticated yet: per remote address and in all. */
  maxUnauthenticatedPerAddress: number;
  maxUnauthenticated: number;
  /** Bytes held for sockets not authenticated yet: per socket and in all. */
  unauthenticatedBytesPerSocket: number;
  unauthenticatedBytesTotal: number;
  /** How often sessions' message counts are written to liveshare_sessions. */
  messageCountFlushMs: number;
}

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The modules that log (each its own child logger, `module` in every line): what LOG_LEVELS may name. */
export const LOG_MODULES = [
  "server",
  "http",
  "auth",
  "connections",
  "frames",
  "durability",
  "persistence",
  "schema",
  "presence",
  "rate-limit",
  "json-protocol",
  "snapshots",
  "cluster",
  "schema-io",
] as const;

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const envSchema = z.object({
  PORT: integer(0, 65535).default(8080),
  HOST: z.string().min(1).default("127.0.0.1"),
  DATABASE_URL: z
    .string()
    .refine((v) => /^(postgres|postgresql|memory):\/\//.test(v), "must start with postgres://, postgresql:// or memory://")
    .optional(),
  DATA_DIR: z.string().min(1).default("./data"),
  REDIS_URL: z
    .string()
    .refine((v) => /^rediss?:\/\//.test(v), "must start with redis:// or rediss://")
    .optional(),
  AUTH_SECRET: z.string().min(16, "must be at least 16 characters").optional(),
  USER_SEARCH: z.enum(["on", "off"]).default("on"),
  NODE_ENV: z.string().optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS).default("info"),
  LOG_LEVELS: z
    .string()
    .regex(/^(\s*[a-z-]+=[a-z]+\s*)(,\s*[a-z-]+=[a-z]+\s*)*$/, "must look like module=level,module=level")
    .optional(),
  METRICS_PORT: integer(0, 65535).optional(),
  MAX_MESSAGE_BYTES: integer(1024, 64 * 1024 * 1024).default(1024 * 1024),
  MAX_USERS_PER_ROOM: integer(1, 100_000).default(100),
  SNAPSHOT_INTERVAL_MS: integer(100, 24 * 3600 * 1000).default(25_000),
  SNAPSHOT_RETENTION: integer(1, 100_000).default(100),
  FULL_SYNC_INTERVAL_MS: integer(100, 24 * 3600 * 1000).default(20_000),
  IDLE_AFTER_MS: integer(10, 24 * 3600 * 1000).default(30_000),
  AWAY_AFTER_MS: integer(10, 24 * 3600 * 1000).default(600_000),
  CRITICAL_BURST: integer(1, 1_000_000).default(200),
  CRITICAL_PER_SECOND: integer(1, 1_000_000).default(100),
  FLUSH_DELAY_MS: integer(0, 1000).default(0),
  PRESENCE_BATCH_MS: integer(0, 1000).default(100),
  PRESENCE_SEND_BUFFER_BYTES: integer(1024, 64 * 1024 * 1024).default(256 * 1024),
  RATE_LIMIT_FLUSH_MS: integer(10, 3600 * 1000).default(5000),
  AUTH_TIMEOUT_MS: integer(100, 600_000).default(10_000),
  MAX_UNAUTHENTICATED_PER_ADDRESS: integer(1, 1_000_000).default(50),
  MAX_UNAUTHENTICATED: integer(1, 10_000_000).default(1000),
  UNAUTHENTICATED_BYTES_PER_SOCKET: integer(1024, 1024 * 1024 * 1024).default(2 * 1024 * 1024),
  UNAUTHENTICATED_BYTES_TOTAL: integer(1024, 64 * 1024 * 1024 * 1024).default(64 * 1024 * 1024),
  MESSAGE_COUNT_FLUSH_MS: integer(10, 3600 * 1000).default(5000),
});

/** A configuration problem, reported as one line naming the variable. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Reads and validates the environment; throws ConfigError naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue?.path[0] ?? "environment");
    throw new ConfigError(`invalid ${variable}=${JSON.stringify(env[variable] ?? "")}: ${issue?.message ?? "invalid"}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === "production";
  if (production && !e.AUTH_SECRET) {
    throw new ConfigError("AUTH_SECRET is required when NODE_ENV=production");
  }
  if (e.AWAY_AFTER_MS <= e.IDLE_AFTER_MS) {
    throw new ConfigError(`invalid AWAY_AFTER_MS=${e.AWAY_AFTER_MS}: must be greater than IDLE_AFTER_MS (${e.IDLE_AFTER_MS})`);
  }
  const moduleLogLevels: Record<string, LogLevel> = {};
  for (const pair of e.LOG_LEVELS?.split(",") ?? []) {
    const [module, level] = pair.trim().split("=") as [string, string];
    if (!(LOG_MODULES as readonly string[]).includes(module)) {
      throw new ConfigError(`invalid LOG_LEVELS: unknown module "${module}" (modules: ${LOG_MODULES.join(", ")})`);
    }
    if (!(LOG_LEVELS as readonly string[]).includes(level)) {
      throw new ConfigError(`invalid LOG_LEVELS: unknown level "${level}" for module "${module}"`);
    }
    moduleLogLevels[module] = level as LogLevel;
  }
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    redisUrl: e.REDIS_URL,
    authSecret: e.AUTH_SECRET,
    userSearch: e.USER_SEARCH === "on",
    production,
    logLevel: e.LOG_LEVEL,
    moduleLogLevels,
    metricsPort: e.METRICS_PORT,
    maxMessageBytes: e.MAX_MESSAGE_BYTES,
    maxUsersPerRoom: e.MAX_USERS_PER_ROOM,
    snapshotIntervalMs: e.SNAPSHOT_INTERVAL_MS,
    snapshotRetention: e.SNAPSHOT_RETENTION,
    fullSyncIntervalMs: e.FULL_SYNC_INTERVAL_MS,
    idleAfterMs: e.IDLE_AFTER_MS,
    awayAfterMs: e.AWAY_AFTER_MS,
    criticalBurst: e.CRITICAL_BURST,
    criticalPerSecond: e.CRITICAL_PER_SECOND,
    flushDelayMs: e.FLUSH_DELAY_MS,
    presenceBatchMs: e.PRESENCE_BATCH_MS,
    presenceSendBufferBytes: e.PRESENCE_SEND_BUFFER_BYTES,
    rateLimitFlushMs: e.RATE_LIMIT_FLUSH_MS,
    authTimeoutMs: e.AUTH_TIMEOUT_MS,
    maxUnauthenticatedPerAddress: e.MAX_UNAUTHENTICATED_PER_ADDRESS,
    maxUnauthenticated: e.MAX_UNAUTHENTICATED,
    unauthenticatedBytesPerSocket: e.UNAUTHENTICATED_BYTES_PER_SOCKET,
    unauthenticatedBytesTotal: e.UNAUTHENTICATED_BYTES_TOTAL,
    messageCountFlushMs: e.MESSAGE_COUNT_FLUSH_MS,
  };
}
