/**
 * Bytes sent to a JSON-protocol client per schema change: version-delta (incremental) GraphState
 * versus the full GraphState the original design's non-incremental broadcast would send, on 10-,
 * 100- and 500-table diagrams. A real LiveShare (in-memory PGlite unless DATABASE_URL is set) and
 * real WebSocket clients; sizes are the frames as received.
 *
 *   npm run bench:protocol [-- --changes 40 --sizes 10,100,500 --json]
 */
import { parseArgs } from "node:util";
import WebSocket from "ws";
import { loadConfig } from "../../src/config.ts";
import { createLiveShare } from "../../src/assembly.ts";
import { buildDiagram } from "../../src/schema-doc/index.ts";
import type { ServerMessage } from "../../src/json-protocol/messages.ts";

const { values } = parseArgs({
  options: {
    changes: { type: "string", default: "40" },
    sizes: { type: "string", default: "10,100,500" },
    json: { type: "boolean", default: false },
  },
});
const CHANGES = Number(values.changes);
const SIZES = values.sizes.split(",").map(Number);
const COLUMNS_PER_TABLE = 8;

/** A received frame: the message and its size in bytes. */
interface Frame {
  message: ServerMessage;
  bytes: number;
}

class BenchClient {
  readonly frames: Frame[] = [];
  private constructor(private readonly socket: WebSocket) {
    socket.on("message", (data: Buffer) => this.frames.push({ message: JSON.parse(data.toString("utf8")) as ServerMessage, bytes: data.byteLength }));
  }

  static async join(url: string, token: string, roomId: string): Promise<BenchClient> {
    const socket = new WebSocket(`${url}/api/liveshare/ws`, { perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", reject);
    });
    const client = new BenchClient(socket);
    client.send({ type: "Auth", token, room_id: roomId });
    await client.next((m) => m.type === "RoomInfo", 0);
    return client;
  }

  send(message: object): void {
    this.socket.send(JSON.stringify(message));
  }

  async next(match: (m: ServerMessage) => boolean, from: number, timeoutMs = 10_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.slice(from).find((f) => match(f.message));
      if (found) return found;
      if (Date.now() > deadline) throw new Error("timed out waiting for a message");
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  close(): void {
    this.socket.close();
  }
}

async function api(base: string, method: string, path: string, body: unknown, token?: string): Promise<Record<string, string>> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, string>;
}

/** The changes made in turn: the edits a person makes most. */
function change(i: number, tableIds: readonly string[], columnOf: (tableId: string) => string): object {
  const table = tableIds[(i * 7919) % tableIds.length]!;
  switch (i % 4) {
    case 0:
      return { type: "RenameTable", table_id: table, name: `renamed_${i}` };
    case 1:
      return { type: "MoveTable", table_id: table, x: i * 10, y: i * 5 };
    case 2:
      return { type: "AddColumn", table_id: table, column: { name: `added_${i}`, type: "text" } };
    default:
      return { type: "UpdateColumn", table_id: table, column_id: columnOf(table), column: { type: `varchar(${i + 1})`, nullable: i % 8 === 3 } };
  }
}

interface Result {
  tables: number;
  relationships: number;
  changes: number;
  joinFullBytes: number;
  incrementalBytesPerChange: number;
  fullBytesPerChange: number;
  reductionPercent: number;
}

async function measure(base: string, wsUrl: string, core: Awaited<ReturnType<typeof createLiveShare>>["core"], tables: number): Promise<Result> {
  const { token } = await api(base, "POST", "/api/dev/token", { username: `bench-${tables}` });
  const { id: diagramId } = await api(base, "POST", "/api/diagrams", { name: `bench ${tables}` }, token);
  const { room_id: roomId } = await api(base, "POST", "/api/liveshare/sessions", { diagram_id: diagramId }, token);
  const editor = await BenchClient.join(wsUrl, token!, roomId!);
  const relationships = Math.round(tables * 0.8);
  const built = buildDiagram(core.rooms.get(roomId!)!, { tables, columnsPerTable: COLUMNS_PER_TABLE, relationships, seed: tables }, { source: "local", context: { kind: "bench" } });
  const seeded = (await editor.next((m) => m.type === "GraphState" && m.state.tables.length === tables, 0)).message;
  const columns = new Map(seeded.type === "GraphState" ? seeded.state.tables.map((t) => [t.id, t.columns[1]!.id]) : []);

  const watcher = await BenchClient.join(wsUrl, token!, roomId!);
  const joinFull = watcher.frames.find((f) => f.message.type === "GraphState")!;
  let incremental = 0;
  let full = 0;
  for (let i = 0; i < CHANGES; i++) {
    const from = watcher.frames.length;
    const editorFrom = editor.frames.length;
    editor.send({ type: "GraphOp", op: change(i, built.tableIds, (id) => columns.get(id)!), request_id: i });
    await editor.next((m) => (m.type === "OpApplied" || m.type === "Error") && m.request_id === i, editorFrom);
    const delta = await watcher.next((m) => m.type === "GraphState" && !m.full, from);
    incremental += delta.bytes;
    // What broadcasting the full state after this change would have sent instead.
    const fullFrom = watcher.frames.length;
    watcher.send({ type: "RequestFullSync" });
    full += (await watcher.next((m) => m.type === "GraphState" && m.full, fullFrom)).bytes;
  }
  editor.close();
  watcher.close();
  return {
    tables,
    relationships,
    changes: CHANGES,
    joinFullBytes: joinFull.bytes,
    incrementalBytesPerChange: Math.round(incremental / CHANGES),
    fullBytesPerChange: Math.round(full / CHANGES),
    reductionPercent: Math.round((1 - incremental / full) * 1000) / 10,
  };
}

async function main(): Promise<void> {
  const config = loadConfig({ PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "silent", DATABASE_URL: process.env.DATABASE_URL ?? "memory://" });
  const liveshare = await createLiveShare(config);
  const port = await liveshare.listen();
  const base = `http://127.0.0.1:${port}`;
  const results: Result[] = [];
  try {
    for (const tables of SIZES) results.push(await measure(base, `ws://127.0.0.1:${port}`, liveshare.core, tables));
    const ratio = (await liveshare.core.metrics.bandwidthReduction.get()).values[0]?.value;
    if (values.json) {
      console.log(JSON.stringify({ results, serverBandwidthReductionRatio: ratio }, null, 2));
    } else {
      console.log(`Bytes sent to a JSON client per schema change (${CHANGES} changes per size: rename, move, add column, update column)\n`);
      console.log("| tables | relationships | full state on join | incremental / change | full state / change | reduction |");
      console.log("|---:|---:|---:|---:|---:|---:|");
      for (const r of results) {
        console.log(`| ${r.tables} | ${r.relationships} | ${r.joinFullBytes} B | ${r.incrementalBytesPerChange} B | ${r.fullBytesPerChange} B | ${r.reductionPercent}% |`);
      }
      console.log(`\nserver's liveshare_bandwidth_reduction_ratio (incremental / full, whole run): ${ratio?.toFixed(4)}`);
    }
  } finally {
    await liveshare.close();
  }
}

await main();
