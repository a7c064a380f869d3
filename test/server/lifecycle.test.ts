import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../helpers/net.ts";
import { freshDatabase, startServerProcess, type ServerProcess } from "../helpers/process.ts";
import { waitFor } from "../helpers/wait.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** PGlite creates a new database folder in a few seconds on an idle machine, much more on a busy one. */
const EMBEDDED_TIMEOUT_MS = 120_000;

const answers = (port: number) =>
  fetch(`http://127.0.0.1:${port}/healthz`).then(
    (r) => r.ok,
    () => false,
  );

const portTaken = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, "127.0.0.1", () => {
      socket.destroy();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });

const running = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The server as `src/server.ts` run directly, waiting for it to exit (for servers that must refuse to start). */
function runToExit(env: Record<string, string>) {
  return spawnSync(process.execPath, ["--import", "tsx", "src/server.ts"], {
    cwd: ROOT,
    env: { ...process.env, HOST: "127.0.0.1", LOG_LEVEL: "info", ...env },
    encoding: "utf8",
    timeout: EMBEDDED_TIMEOUT_MS,
  });
}

describe("npm start", () => {
  it("passes SIGTERM to the server: signalling npm's pid frees the port and leaves no server process behind", async () => {
    const database = await freshDatabase();
    const port = await freePort();
    const npm = spawn("npm", ["start", "--silent"], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", DATABASE_URL: database.url, LOG_LEVEL: "warn" },
      stdio: "ignore",
    });
    const npmExited = new Promise<void>((resolve) => npm.once("exit", () => resolve()));
    let serverPid = 0;
    try {
      await waitFor(() => answers(port), "the server to answer /healthz", 60_000);
      const children = await readFile(`/proc/${npm.pid}/task/${npm.pid}/children`, "utf8");
      serverPid = Number(children.trim().split(/\s+/)[0]);
      expect(serverPid).toBeGreaterThan(0);

      npm.kill("SIGTERM");
      await npmExited;
      await waitFor(() => !running(serverPid), "the server process to exit", 30_000);
      expect(await portTaken(port)).toBe(false);
    } finally {
      if (serverPid && running(serverPid)) process.kill(serverPid, "SIGKILL");
      if (npm.exitCode === null) npm.kill("SIGKILL");
      await database.drop();
    }
  }, 120_000);
});

describe("one server per DATA_DIR", () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function dataDir(): Promise<string> {
    const dir = await mkdtemp(path.join(tmpdir(), "liveshare-lock-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    return dir;
  }

  async function start(dir: string): Promise<ServerProcess> {
    const server = await startServerProcess({ DATA_DIR: dir }, EMBEDDED_TIMEOUT_MS);
    cleanups.push(() => server.stop("SIGKILL"));
    return server;
  }

  it("refuses a second server on the same DATA_DIR with one line naming the folder and the first server's pid", async () => {
    const dir = await dataDir();
    const first = await start(dir);

    const second = runToExit({ PORT: "0", DATA_DIR: dir });

    expect(second.status).toBe(1);
    expect(second.stderr.trim()).toBe(
      `liveshare: failed to start: DATA_DIR ${dir} is in use by another LiveShare server (pid ${first.child.pid}); stop it, or give this server its own DATA_DIR`,
    );
    expect(await answers(first.port)).toBe(true);
  }, EMBEDDED_TIMEOUT_MS * 2);

  it("starts again on the DATA_DIR of a server that was killed with SIGKILL (a stale lock does not block)", async () => {
    const dir = await dataDir();
    const first = await start(dir);
    await first.stop("SIGKILL");
    expect(existsSync(path.join(dir, "liveshare.lock"))).toBe(true);

    const again = await start(dir);

    expect(await answers(again.port)).toBe(true);
  }, EMBEDDED_TIMEOUT_MS * 2);

  it("gives the DATA_DIR back on a graceful stop", async () => {
    const dir = await dataDir();
    const server = await start(dir);
    expect(await server.stop("SIGTERM")).toBe(0);
    expect(existsSync(path.join(dir, "liveshare.lock"))).toBe(false);
  }, EMBEDDED_TIMEOUT_MS);
});

describe("start-up", () => {
  it("refuses a port that is in use with one line naming PORT, not a stack trace", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    const database = await freshDatabase();
    try {
      const result = runToExit({ PORT: String(port), DATABASE_URL: database.url });
      expect(result.status).toBe(1);
      expect(result.stderr.trim()).toBe(
        `liveshare: failed to start: PORT ${port} on HOST 127.0.0.1 is already in use (another process listens on 127.0.0.1:${port}); stop it or set PORT`,
      );
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
      await database.drop();
    }
  }, 60_000);

  it("says the URL to open and, in development mode, how to get a token", async () => {
    const database = await freshDatabase();
    const server = await startServerProcess({ DATABASE_URL: database.url });
    try {
      const line = server
        .output()
        .split("\n")
        .find((l) => l.includes('"msg":"listening"'));
      const listening = JSON.parse(line!) as Record<string, unknown>;
      expect(listening.url).toBe(`http://127.0.0.1:${server.port}/`);
      expect(listening.mode).toBe("development");
      expect(listening.token).toBe(
        `curl -s -X POST http://127.0.0.1:${server.port}/api/dev/token -H 'content-type: application/json' -d '{"username":"alice"}'`,
      );
      // The command works as printed.
      const response = await fetch(`http://127.0.0.1:${server.port}/api/dev/token`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "alice" }),
      });
      expect(response.status).toBe(200);
    } finally {
      await server.stop();
      await database.drop();
    }
  }, 60_000);

  it("gives no token command in production mode", async () => {
    const database = await freshDatabase();
    const server = await startServerProcess({ DATABASE_URL: database.url, NODE_ENV: "production", AUTH_SECRET: "a-production-secret-of-some-length" });
    try {
      const listening = JSON.parse(server.output().split("\n").find((l) => l.includes('"msg":"listening"'))!) as Record<string, unknown>;
      expect(listening).toMatchObject({ url: `http://127.0.0.1:${server.port}/`, mode: "production" });
      expect(listening).not.toHaveProperty("token");
    } finally {
      await server.stop();
      await database.drop();
    }
  }, 60_000);
});
