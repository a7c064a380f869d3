import { spawn, spawnSync } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { LOG_MODULES } from "../../src/config.ts";
import { applyOperation } from "../../src/schema-doc/index.ts";
import { ApiClient } from "../helpers/api.ts";
import { freshDatabase, startServerProcess, type ServerProcess } from "../helpers/process.ts";
import { acknowledged, newProvider, synced } from "../helpers/provider.ts";
import { waitFor } from "../helpers/wait.ts";
import { scrape } from "../helpers/prom-text.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

interface LogLine {
  level: number;
  module?: string;
  msg: string;
  [field: string]: unknown;
}
const LEVEL = { trace: 10, debug: 20, info: 30, warn: 40, error: 50 } as const;

const linesOf = (output: string): LogLine[] =>
  output
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as LogLine);

describe("log levels", () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** A server process with `env`, one user editing in one room and leaving; resolves with all it logged. */
  async function runWithTraffic(env: Record<string, string>): Promise<{ lines: LogLine[]; userId: string; roomId: string }> {
    const database = await freshDatabase();
    cleanups.push(database.drop);
    const server: ServerProcess = await startServerProcess({ DATABASE_URL: database.url, ...env });
    cleanups.push(() => server.stop());
    const { token, userId, roomId } = await new ApiClient(server.httpUrl).room("logger");
    const p = newProvider(server.wsUrl, roomId, token);
    try {
      await synced(p);
      applyOperation(p.doc, { type: "CreateTable", name: "users", x: 0, y: 0, columns: [] }, "test");
      await acknowledged(p);
    } finally {
      p.destroy();
    }
    await waitFor(async () => (await scrape(`${server.httpUrl}/metrics`)).value("liveshare_connections", { protocol: "yjs" }) === 0, "the user to leave");
    // Stopping the process flushes everything it logged.
    expect(await server.stop()).toBe(0);
    return { lines: linesOf(server.output()), userId, roomId };
  }

  // SPEC: DUR-9
  it("takes LOG_LEVEL as the floor and lets LOG_LEVELS raise single modules above it", async () => {
    const { lines, userId, roomId } = await runWithTraffic({ LOG_LEVEL: "warn", LOG_LEVELS: "server=info,connections=debug" });

    const connecting = lines.find((l) => l.module === "connections" && l.msg === "user connecting");
    expect(connecting?.level).toBe(LEVEL.debug);
    expect(connecting?.roomId).toBe(roomId);
    const disconnected = lines.find((l) => l.module === "connections" && l.msg === "user disconnected");
    expect(disconnected).toMatchObject({ level: LEVEL.info, roomId, userId, service: "liveshare" });
    // Everyone else stays at warn: no "user authenticated" (auth, info), no "session started" (http, info).
    const belowFloor = lines.filter((l) => l.level < LEVEL.warn && l.module !== "server" && l.module !== "connections");
    expect(belowFloor.map((l) => `${l.module}: ${l.msg}`)).toEqual([]);
  });

  it("lets LOG_LEVELS lower single modules below LOG_LEVEL", async () => {
    const { lines, userId } = await runWithTraffic({ LOG_LEVEL: "debug", LOG_LEVELS: "connections=warn" });

    expect(lines.find((l) => l.module === "auth" && l.msg === "user authenticated")).toMatchObject({ level: LEVEL.info, userId });
    expect(lines.some((l) => l.level === LEVEL.debug && l.module !== "connections")).toBe(true);
    expect(lines.filter((l) => l.module === "connections" && l.level < LEVEL.warn)).toEqual([]);
  });

  it("refuses an unknown level in LOG_LEVELS at start-up with one line naming it", async () => {
    const result = spawnSync(process.execPath, ["--import", "tsx", "src/server.ts"], {
      cwd: ROOT,
      env: { ...process.env, PORT: "0", LOG_LEVELS: "connections=loud" },
      encoding: "utf8",
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe('liveshare: invalid LOG_LEVELS: unknown level "loud" for module "connections"');
  });

  it("refuses an unknown module in LOG_LEVELS at start-up with one line naming the variable and the modules", async () => {
    const result = spawnSync(process.execPath, ["--import", "tsx", "src/server.ts"], {
      cwd: ROOT,
      env: { ...process.env, PORT: "0", LOG_LEVELS: "persistance=debug" },
      encoding: "utf8",
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(`liveshare: invalid LOG_LEVELS: unknown module "persistance" (modules: ${LOG_MODULES.join(", ")})`);
  });

  it("lists every module the code logs under as one LOG_LEVELS accepts", async () => {
    const used = new Set<string>();
    for (const file of await readdir(path.join(ROOT, "src"), { recursive: true })) {
      if (!file.endsWith(".ts")) continue;
      const text = await readFile(path.join(ROOT, "src", file), "utf8");
      for (const match of text.matchAll(/(?:logging\.child|core\.logger|\.logger)\("([a-z-]+)"\)/g)) used.add(match[1]!);
    }
    expect(used.size).toBeGreaterThan(5);
    expect([...used].filter((module) => !(LOG_MODULES as readonly string[]).includes(module))).toEqual([]);
  });
});

const hasScript = spawnSync("script", ["--version"]).error === undefined;

describe("log format", () => {
  it.skipIf(!hasScript)("is pretty, one line per event with its module, when stdout is a terminal in development (skipped without util-linux script)", async () => {
    const database = await freshDatabase();
    // `script` gives the server a pseudo-terminal as stdout, as a developer's shell would.
    const command = `${JSON.stringify(process.execPath)} --import tsx src/server.ts`;
    const child = spawn("script", ["-qfec", command, "/dev/null"], {
      cwd: ROOT,
      env: { ...process.env, PORT: "0", HOST: "127.0.0.1", DATABASE_URL: database.url, LOG_LEVEL: "info", NODE_ENV: "development" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise((resolve) => child.once("exit", resolve));
    try {
      await waitFor(() => output.includes("[server] listening"), "the pretty listening line", 30_000);
      const plain = output.replace(/\x1b\[[0-9;]*m/g, "");
      expect(plain).toMatch(/^\[[\d:.]+\] INFO: \[server\] listening\r?$/m);
      expect(plain).toMatch(/^\s+port: \d+\r?$/m);
      expect(output).toContain("\x1b["); // coloured
      expect(plain).not.toMatch(/^\{"level"/m);
    } finally {
      child.kill("SIGTERM");
      await exited;
      await database.drop();
    }
  });
});
