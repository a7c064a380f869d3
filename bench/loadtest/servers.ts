import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, readdirSync, statSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { readProc } from "./proc-stats.ts";

/** The repository root (bench/loadtest/../..). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** A server the load test started (or was pointed at). */
export interface ServerUnderTest {
  kind: "liveshare" | "hocuspocus" | "floor" | "sink";
  httpUrl: string;
  /** The server's process id when the load test started it (CPU and RSS come from /proc then). */
  pid: number | undefined;
  /** Warning and error lines the server logged (pino level ≥ 40, or anything on stderr). */
  problems: string[];
  /** Set when the server exited before it was asked to stop: exit code or signal and its last output. */
  crashed(): string | undefined;
  /** CPU seconds so far of each PostgreSQL backend serving this server's database (LiveShare only). */
  databaseCpu?: () => Promise<Map<number, number>>;
  /** Stops the server (and drops its database); resolves with the CPU profile path if one was written. */
  stop(): Promise<string | undefined>;
}

const children = new Set<ChildProcess>();
// A load test that is interrupted or crashes must not leave servers behind.
process.once("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});

/** Stops of servers still running, so an interrupted run can stop them and drop their databases. */
const running = new Set<() => Promise<unknown>>();

/** Stops every server this process started and has not stopped yet (on SIGINT), within `timeoutMs`. */
export async function stopAllServers(timeoutMs = 10_000): Promise<void> {
  const all = Promise.allSettled([...running].map((stop) => stop()));
  await Promise.race([all, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

export interface LiveShareServerOptions {
  /** PostgreSQL URL whose server gets a fresh `loadtest_<random>` database for this run. */
  adminDatabaseUrl: string;
  profileDir: string | undefined;
  /** Extra environment for the server (e.g. FLUSH_DELAY_MS). */
  env: Record<string, string>;
  /** The entry point to run (default src/server.ts), e.g. another checkout to compare with. */
  entry: string | undefined;
  /** Extra Node.js flags for the server process (e.g. --heapsnapshot-signal=SIGUSR2). */
  nodeArgs: string[];
}

/**
 * The Node.js flags of `npm start` (`[exec] node FLAGS… src/server.ts` in package.json): the server
 * under test runs as an operator runs it, heap limit included.
 */
function startScriptNodeFlags(): string[] {
  const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { scripts: { start: string } };
  const words = manifest.scripts.start.trim().split(/\s+/);
  if (words[0] === "exec") words.shift();
  if (words[0] !== "node" || words.at(-1) !== "src/server.ts") throw new Error(`npm start is not "exec node FLAGS… src/server.ts": ${manifest.scripts.start}`);
  return words.slice(1, -1);
}

/** Full LiveShare (`src/server.ts`) in a child process, on a fresh PostgreSQL database dropped afterwards. */
export async function startLiveShare(options: LiveShareServerOptions): Promise<ServerUnderTest> {
  const database = `loadtest_${randomBytes(6).toString("hex")}`;
  await adminQuery(options.adminDatabaseUrl, `CREATE DATABASE ${database}`);
  const databaseUrl = withDatabase(options.adminDatabaseUrl, database);
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env, PORT: String(port), HOST: "127.0.0.1", DATABASE_URL: databaseUrl, LOG_LEVEL: options.env.LOG_LEVEL ?? "warn" };
  // Development mode (dev tokens), one instance, whatever the caller's shell has set.
  delete env.AUTH_SECRET;
  delete env.REDIS_URL;
  delete env.NODE_ENV;
  try {
    const args = [...startScriptNodeFlags(), ...options.nodeArgs, path.resolve(options.entry ?? path.join(REPO_ROOT, "src/server.ts"))];
    const started = await startChild("liveshare", args, env, port, "/healthz", options.profileDir);
    let stopping: Promise<string | undefined> | undefined;
    const stop = () =>
      (stopping ??= (async () => {
        const profile = await started.stop();
        await adminQuery(options.adminDatabaseUrl, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => {});
        running.delete(stop);
        return profile;
      })());
    running.add(stop);
    const databaseCpu = async () => {
      const cpu = new Map<number, number>();
      const client = new pg.Client({ connectionString: options.adminDatabaseUrl });
      await client.connect();
      try {
        const { rows } = await client.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = $1", [database]);
        for (const { pid } of rows) {
          const sample = readProc(pid);
          if (sample) cpu.set(pid, sample.cpuSeconds);
        }
      } finally {
        await client.end();
      }
      return cpu;
    };
    return { ...started, stop, databaseCpu };
  } catch (error) {
    await adminQuery(options.adminDatabaseUrl, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => {});
    throw error;
  }
}

const REFERENCES = {
  hocuspocus: { entry: "bench/loadtest/bare-hocuspocus.ts", env: {} },
  floor: { entry: "bench/loadtest/floor-relay.ts", env: { RELAY_MODE: "forward" } },
  sink: { entry: "bench/loadtest/floor-relay.ts", env: { RELAY_MODE: "sink" } },
} as const;

/** A reference server in a child process: bare `@hocuspocus/server`, or the floor relay (forwarding, or a sink). */
export async function startReference(kind: keyof typeof REFERENCES, profileDir: string | undefined): Promise<ServerUnderTest> {
  const port = await freePort();
  const { entry, env } = REFERENCES[kind];
  return startChild(kind, ["--import", "tsx", path.join(REPO_ROOT, entry)], { ...process.env, ...env, PORT: String(port) }, port, "/", profileDir);
}

/** A server the caller runs (`--url`): nothing to start or stop, no /proc figures. */
export function externalServer(httpUrl: string): ServerUnderTest {
  return { kind: "liveshare", httpUrl: httpUrl.replace(/\/$/, ""), pid: undefined, problems: [], crashed: () => undefined, stop: async () => undefined };
}

async function startChild(
  kind: ServerUnderTest["kind"],
  args: string[],
  env: NodeJS.ProcessEnv,
  port: number,
  readyPath: string,
  profileDir: string | undefined,
): Promise<ServerUnderTest> {
  const profiling = profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${kind}-${Date.now()}.cpuprofile`] : [];
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const startedAt = Date.now();
  // Node itself (not the tsx CLI, which forks) so the pid is the server's and /proc reads its CPU.
  const child = spawn(process.execPath, [...profiling, ...args], { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  const problems: string[] = [];
  const tail: string[] = [];
  const onLine = (line: string, stderr: boolean) => {
    if (!line.trim()) return;
    tail.push(line);
    if (tail.length > 30) tail.shift();
    let problem = stderr;
    try {
      const level = (JSON.parse(line) as { level?: unknown }).level;
      problem = typeof level === "number" ? level >= 40 : stderr;
    } catch {
      // Not a pino line.
    }
    if (problem && problems.length < 200) problems.push(line.slice(0, 500));
  };
  lines(child.stdout!, (line) => onLine(line, false));
  lines(child.stderr!, (line) => onLine(line, true));
  let exited = false;
  let stopRequested = false;
  let crash: string | undefined;
  const exit = new Promise<void>((resolve) =>
    child.once("exit", (code, signal) => {
      exited = true;
      children.delete(child);
      if (!stopRequested) crash = `${kind} exited unexpectedly (${signal ?? `code ${code}`}); last output:\n${tail.slice(-10).join("\n")}`;
      resolve();
    }),
  );

  const httpUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`${kind} exited during start-up:\n${tail.join("\n")}`);
    const up = await fetch(`${httpUrl}${readyPath}`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${kind} did not answer ${readyPath} within 60 s:\n${tail.join("\n")}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    kind,
    httpUrl,
    pid: child.pid,
    problems,
    crashed: () => crash,
    async stop() {
      stopRequested = true;
      if (!exited) {
        child.kill("SIGTERM");
        const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
        await exit;
        clearTimeout(killer);
      }
      if (!profileDir) return undefined;
      const profiles = readdirSync(profileDir)
        .filter((f) => f.startsWith(`${kind}-`) && f.endsWith(".cpuprofile"))
        .map((f) => path.join(profileDir, f))
        .filter((f) => statSync(f).mtimeMs >= startedAt);
      return profiles.sort().at(-1);
    },
  };
}

function lines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let buffer = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    buffer += chunk;
    let newline: number;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      onLine(buffer.slice(0, newline));
      buffer = buffer.slice(newline + 1);
    }
  });
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
