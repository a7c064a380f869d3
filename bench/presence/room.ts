/**
 * The presence benchmark of issue 4: one room with 50 and 100 users, each moving a cursor at 30 Hz,
 * with presence batching on (PRESENCE_BATCH_MS=100) and off (0), in the same run. For each: presence
 * messages and bytes each client receives per second, presence states per message, and the server's
 * CPU. Clients are raw y-protocols frames over `ws` (one process); the server is a child process on an
 * in-memory database, so its CPU is its own. Bounded in time; nothing is left running.
 *
 *   npm run bench:presence            (or: node --import tsx bench/presence/room.ts [seconds])
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as encoding from "lib0/encoding";
import WebSocket from "ws";

const MEASURE_SECONDS = Number(process.argv[2] ?? 8);
const WARMUP_SECONDS = 2;
const CURSOR_HZ = 30;
const SIZES = [50, 100];
const BATCHING = [
  { label: "on (100 ms)", batchMs: "100" },
  { label: "off", batchMs: "0" },
];

interface ServerStats {
  cpuMicros: number;
  at: number;
  presenceSent: number;
  presenceBytesSent: number;
  dropped: number;
  rateLimited: number;
}

/** Runs the benchmark server with `env`; resolves once it listens. */
async function startServer(env: Record<string, string>): Promise<{ child: ChildProcess; port: number; stats(): Promise<ServerStats>; stop(): Promise<void> }> {
  const script = fileURLToPath(new URL("./server.ts", import.meta.url));
  const child = fork(script, [], {
    execArgv: ["--import", "tsx"],
    env: { ...process.env, PORT: "0", DATABASE_URL: "memory://", LOG_LEVEL: "error", MAX_USERS_PER_ROOM: "1000", ...env },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once("message", (m) => resolve((m as { port: number }).port));
    child.once("exit", (code) => reject(new Error(`benchmark server exited with ${code}`)));
  });
  return {
    child,
    port,
    stats: () =>
      new Promise((resolve) => {
        child.once("message", (m) => resolve(m as ServerStats));
        child.send("stats");
      }),
    stop: () =>
      new Promise((resolve) => {
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        child.once("exit", () => {
          clearTimeout(timer);
          resolve();
        });
        child.send("stop");
      }),
  };
}

async function api(base: string, method: string, path: string, token?: string, body?: unknown): Promise<any> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** A room and a token for each of `users` users, all allowed to edit it. */
async function provision(base: string, users: number): Promise<{ roomId: string; tokens: string[] }> {
  const owner = await api(base, "POST", "/api/dev/token", undefined, { username: "bench-owner" });
  const diagram = await api(base, "POST", "/api/diagrams", owner.token, { name: "presence bench" });
  const session = await api(base, "POST", "/api/liveshare/sessions", owner.token, { diagram_id: diagram.id });
  const tokens = [owner.token as string];
  for (let i = 1; i < users; i++) {
    const user = await api(base, "POST", "/api/dev/token", undefined, { username: `bench-user-${i}` });
    await api(base, "PUT", `/api/diagrams/${diagram.id}/shares/${user.user_id}`, owner.token, { permission: "edit" });
    tokens.push(user.token);
  }
  return { roomId: session.room_id, tokens };
}

const frameStart = (room: string, type: number) => {
  const encoder = encoding.createEncoder();
  encoding.writeVarString(encoder, room);
  encoding.writeVarUint(encoder, type);
  return encoder;
};

/** One benchmark user: a socket, an awareness client id, and counters of what it receives. */
class User {
  readonly clientId = 1 + Math.floor(Math.random() * 0x7fffffff);
  private clock = 0;
  private readonly socket: WebSocket;
  private readonly typeOffset: number;
  received = { messages: 0, bytes: 0, states: 0 };
  private timer: NodeJS.Timeout | undefined;

  constructor(
    url: string,
    private readonly room: string,
    private readonly token: string,
  ) {
    this.socket = new WebSocket(url);
    this.socket.binaryType = "nodebuffer";
    const prefix = encoding.createEncoder();
    encoding.writeVarString(prefix, room);
    this.typeOffset = encoding.length(prefix);
  }

  /** Connects and authenticates (auth, then sync step 1 like a provider). */
  async join(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.socket.once("open", () => resolve());
      this.socket.once("error", reject);
    });
    const authenticated = new Promise<void>((resolve, reject) => {
      const onMessage = (data: Buffer) => {
        if (data[this.typeOffset] !== 2) return;
        if (data[this.typeOffset + 1] === 2) resolve();
        else reject(new Error("permission denied"));
        this.socket.off("message", onMessage);
      };
      this.socket.on("message", onMessage);
    });
    const auth = frameStart(this.room, 2);
    encoding.writeVarUint(auth, 0);
    encoding.writeVarString(auth, this.token);
    this.socket.send(encoding.toUint8Array(auth));
    const step1 = frameStart(this.room, 0);
    encoding.writeVarUint(step1, 0);
    encoding.writeVarUint8Array(step1, Uint8Array.of(0));
    this.socket.send(encoding.toUint8Array(step1));
    await authenticated;
    this.socket.on("message", (data: Buffer) => {
      if (data[this.typeOffset] !== 1) return;
      this.received.messages += 1;
      this.received.bytes += data.length;
      // The awareness update: varUint byte length, then varUint entry count (one byte up to 127).
      let i = this.typeOffset + 1;
      while (data[i]! >= 0x80) i++;
      const count = data[i + 1]!;
      this.received.states += count < 0x80 ? count : 128;
    });
  }

  /** Moves the cursor at `hz`, starting at a random phase. */
  move(hz: number): void {
    const period = 1000 / hz;
    setTimeout(() => {
      this.timer = setInterval(() => this.sendCursor(), period);
      this.sendCursor();
    }, Math.random() * period);
  }

  private sendCursor(): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    this.clock += 1;
    const state = { cursor: { x: Math.round(Math.random() * 2000), y: Math.round(Math.random() * 1000) }, viewport: { center: { x: 500, y: 400 }, zoom: 1 }, selection: [] };
    const update = encoding.createEncoder();
    encoding.writeVarUint(update, 1);
    encoding.writeVarUint(update, this.clientId);
    encoding.writeVarUint(update, this.clock);
    encoding.writeVarString(update, JSON.stringify(state));
    const frame = frameStart(this.room, 1);
    encoding.writeVarUint8Array(frame, encoding.toUint8Array(update));
    this.socket.send(encoding.toUint8Array(frame));
  }

  reset(): void {
    this.received = { messages: 0, bytes: 0, states: 0 };
  }

  close(): void {
    clearInterval(this.timer);
    this.socket.terminate();
  }
}

interface Row {
  users: number;
  batching: string;
  messagesPerClient: number;
  kbPerClient: number;
  statesPerMessage: number;
  serverSentPerClient: number;
  serverCpu: number;
  congestedDrops: number;
  rateLimited: number;
}

async function run(users: number, batching: (typeof BATCHING)[number]): Promise<Row> {
  const server = await startServer({ PRESENCE_BATCH_MS: batching.batchMs });
  const all: User[] = [];
  try {
    const base = `http://127.0.0.1:${server.port}`;
    const { roomId, tokens } = await provision(base, users);
    for (const token of tokens) all.push(new User(`ws://127.0.0.1:${server.port}/collab`, roomId, token));
    await Promise.all(all.map((u) => u.join()));
    for (const u of all) u.move(CURSOR_HZ);
    await sleep(WARMUP_SECONDS * 1000);
    for (const u of all) u.reset();
    const before = await server.stats();
    const start = performance.now();
    await sleep(MEASURE_SECONDS * 1000);
    const after = await server.stats();
    const seconds = (performance.now() - start) / 1000;
    const received = all.map((u) => u.received);
    const messages = received.reduce((s, r) => s + r.messages, 0);
    const bytes = received.reduce((s, r) => s + r.bytes, 0);
    const states = received.reduce((s, r) => s + r.states, 0);
    return {
      users,
      batching: batching.label,
      messagesPerClient: messages / users / seconds,
      kbPerClient: bytes / users / seconds / 1024,
      statesPerMessage: messages ? states / messages : 0,
      serverSentPerClient: (after.presenceSent - before.presenceSent) / users / seconds,
      serverCpu: (after.cpuMicros - before.cpuMicros) / 1000 / (after.at - before.at),
      congestedDrops: (after.dropped - before.dropped) / seconds,
      rateLimited: (after.rateLimited - before.rateLimited) / seconds,
    };
  } finally {
    for (const u of all) u.close();
    await server.stop();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Whatever happens, never outlive the benchmark's time budget.
const budget = setTimeout(() => {
  console.error("presence benchmark: time budget exceeded");
  process.exit(1);
}, (SIZES.length * BATCHING.length * (MEASURE_SECONDS + WARMUP_SECONDS + 30) + 30) * 1000);
budget.unref();

console.log(`presence benchmark: one room, every user moving a cursor at ${CURSOR_HZ} Hz, ${MEASURE_SECONDS} s measured per run (Node ${process.version})\n`);
const rows: Row[] = [];
for (const users of SIZES) {
  for (const batching of BATCHING) {
    const row = await run(users, batching);
    rows.push(row);
    console.log(
      `${String(users).padStart(4)} users  batching ${row.batching.padEnd(12)} ` +
        `${row.messagesPerClient.toFixed(1).padStart(7)} msg/s/client  ${row.kbPerClient.toFixed(1).padStart(7)} KiB/s/client  ` +
        `${row.statesPerMessage.toFixed(1).padStart(5)} states/msg  server sent ${row.serverSentPerClient.toFixed(1).padStart(7)} msg/s/client  ` +
        `server CPU ${(row.serverCpu * 100).toFixed(0).padStart(3)}%  congested drops ${row.congestedDrops.toFixed(0)}/s  rate-limited ${row.rateLimited.toFixed(0)}/s`,
    );
  }
}
console.log("\n| users | batching | presence msgs / client / s | KiB / client / s | states / msg | server CPU |");
console.log("|---|---|---|---|---|---|");
for (const r of rows) {
  console.log(`| ${r.users} | ${r.batching} | ${r.messagesPerClient.toFixed(1)} | ${r.kbPerClient.toFixed(1)} | ${r.statesPerMessage.toFixed(1)} | ${(r.serverCpu * 100).toFixed(0)}% |`);
}
process.exit(0);
