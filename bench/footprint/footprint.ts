/**
 * Memory footprint and start-up time of `npm start` per storage mode (issue 15):
 * - start-up: from spawning `npm start` to the first `GET /healthz` that answers 200;
 * - RSS after start-up: the server process's resident memory 5 s after that, no client connected;
 * - idle RSS: the same 60 s after start-up, still no client (a server settles within the first minute:
 *   the TypeScript loader's thread, busy only while modules load, gives its memory back by then);
 * - RSS with 100 open rooms: 100 diagrams with a live session each, one Yjs provider per room that
 *   has made an acknowledged edit, measured 5 s after the last acknowledgement.
 *
 * Modes: PGlite in a fresh DATA_DIR (and started again on the same folder), `memory://`, PostgreSQL
 * (a fresh database on 127.0.0.1:5432, as the tests use). RSS is the server's own (`VmRSS` of the node
 * process that `npm start` runs), not npm's.
 *
 * Run: npm run bench:footprint [-- --modes pglite,memory,postgres --rooms 100]
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { applyOperation } from "../../src/schema-doc/index.ts";
import { ApiClient } from "../../test/helpers/api.ts";
import { freshDatabase } from "../../test/helpers/process.ts";
import { acknowledged, newProvider, synced, type TestProvider } from "../../test/helpers/provider.ts";
import { sleep } from "../../test/helpers/wait.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SETTLE_MS = 5_000;
const IDLE_MS = 60_000;

interface Figures {
  mode: string;
  startupMs: number;
  startedMb: number;
  idleMb: number;
  roomsMb: number | undefined;
}

const { values } = parseArgs({
  options: {
    modes: { type: "string", default: "pglite,memory,postgres" },
    rooms: { type: "string", default: "100" },
  },
});
const rooms = Number(values.rooms);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resident memory of a process in MiB, from /proc. */
async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
  return Math.round(kb / 1024);
}

/** The node process `npm start` runs (its only child, once the start script has exec'd). */
async function serverPid(npm: ChildProcess): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const children = await readFile(`/proc/${npm.pid}/task/${npm.pid}/children`, "utf8").catch(() => "");
    const pid = Number(children.trim().split(/\s+/)[0]);
    if (pid > 0) return pid;
    await sleep(50);
  }
  throw new Error("npm start did not start a server process");
}

async function measure(mode: string, env: Record<string, string>, openRooms: boolean): Promise<Figures> {
  const port = await freePort();
  const started = performance.now();
  const npm = spawn("npm", ["start", "--silent"], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const exited = new Promise<void>((resolve) => npm.once("exit", () => resolve()));
  try {
    const pid = await serverPid(npm);
    const url = `http://127.0.0.1:${port}`;
    for (;;) {
      const ok = await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (npm.exitCode !== null) throw new Error(`${mode}: the server exited before answering /healthz`);
      await sleep(20);
    }
    const startupMs = Math.round(performance.now() - started);
    await sleep(SETTLE_MS);
    const startedMb = await rssMb(pid);
    await sleep(IDLE_MS - SETTLE_MS);
    const idleMb = await rssMb(pid);
    let roomsMb: number | undefined;
    if (openRooms) {
      const providers = await openRoomsWithEdits(url, rooms);
      await sleep(SETTLE_MS);
      roomsMb = await rssMb(pid);
      for (const p of providers) p.destroy();
    }
    return { mode, startupMs, startedMb, idleMb, roomsMb };
  } finally {
    npm.kill("SIGTERM");
    await exited;
  }
}

async function openRoomsWithEdits(url: string, count: number): Promise<TestProvider[]> {
  const api = new ApiClient(url);
  const { token } = await api.login("footprint");
  const providers: TestProvider[] = [];
  for (let i = 0; i < count; i++) {
    const diagramId = await api.createDiagram(token, `Footprint ${i}`);
    const roomId = await api.startSession(token, diagramId);
    providers.push(newProvider(url.replace("http", "ws"), roomId, token));
  }
  await Promise.all(providers.map((p) => synced(p, 60_000)));
  providers.forEach((p, i) => applyOperation(p.doc, { type: "CreateTable", name: `t${i}`, x: i, y: i }, "bench"));
  await Promise.all(providers.map((p) => acknowledged(p, 60_000)));
  return providers;
}

async function main(): Promise<void> {
  const results: Figures[] = [];
  for (const mode of values.modes.split(",")) {
    if (mode === "pglite") {
      const dataDir = await mkdtemp(path.join(tmpdir(), "liveshare-footprint-"));
      try {
        results.push({ ...(await measure("PGlite, new DATA_DIR", { DATA_DIR: dataDir }, false)), roomsMb: undefined });
        results.push(await measure("PGlite, existing DATA_DIR", { DATA_DIR: dataDir }, true));
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    } else if (mode === "memory") {
      results.push(await measure("memory://", { DATABASE_URL: "memory://" }, true));
    } else if (mode === "postgres") {
      const database = await freshDatabase();
      try {
        results.push(await measure("PostgreSQL", { DATABASE_URL: database.url }, true));
      } finally {
        await database.drop();
      }
    } else {
      throw new Error(`unknown mode ${mode} (pglite, memory, postgres)`);
    }
  }
  console.log(`\n| storage | start-up (spawn to /healthz) | RSS 5 s after start-up | idle RSS (60 s) | RSS with ${rooms} open rooms |`);
  console.log("|---|---|---|---|---|");
  for (const r of results) {
    const roomsMb = r.roomsMb === undefined ? "—" : `${r.roomsMb} MB`;
    console.log(`| ${r.mode} | ${(r.startupMs / 1000).toFixed(1)} s | ${r.startedMb} MB | ${r.idleMb} MB | ${roomsMb} |`);
  }
}

await main();
