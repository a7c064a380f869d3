/**
 * The floor: the least any server must do for the load test's traffic, to tell what the machine can
 * carry from what a server costs. A y-protocols relay in the Hocuspocus wire format, in memory, with
 * nothing else: every token is accepted; each room keeps a `Y.Doc` (a late joiner must get the
 * state), applies every update to it, forwards it at once to the room's other clients and
 * acknowledges it (SyncStatus); awareness states are kept as the raw bytes a client sent, the
 * newest per client, and each room sends what changed every 100 ms as one message (the presence
 * batching LiveShare's contract asks for). No validation, no persistence, no limits, no metrics.
 * Frames one socket gets in one event-loop step leave in one write, as in LiveShare.
 *
 * With RELAY_MODE=sink it forwards nothing (acknowledgements only): what the generator costs on its
 * own, sending at full rate and receiving next to nothing.
 *
 * Started by the load test (`--target floor` or `--target sink`) as a child process with PORT set.
 */
import { createServer } from "node:http";
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import * as syncProtocol from "y-protocols/sync";
import { WebSocketServer, type WebSocket } from "ws";
import * as Y from "yjs";
import { CoalescedWrites } from "../../src/collab/coalesce.ts";
import { AuthType, MessageType } from "./wire.ts";

const AWARENESS_BATCH_MS = 100;
const FORWARD = process.env.RELAY_MODE !== "sink";

interface Client {
  ws: WebSocket;
  room: Room | undefined;
  /** Awareness client ids this socket sent: removed from the room when it closes. */
  ids: Set<number>;
}

class Room {
  readonly doc = new Y.Doc();
  readonly clients = new Set<Client>();
  /** Newest awareness entry per client id: clock and the state's JSON bytes as sent. */
  private readonly states = new Map<number, { clock: number; json: Uint8Array }>();
  private readonly changed = new Set<number>();
  private timer: NodeJS.Timeout | undefined;
  readonly prefix: Uint8Array;

  constructor(readonly name: string) {
    const encoder = encoding.createEncoder();
    encoding.writeVarString(encoder, name);
    this.prefix = encoding.toUint8Array(encoder);
  }

  frame(type: number, body: (encoder: encoding.Encoder) => void): Uint8Array {
    const encoder = encoding.createEncoder();
    encoding.writeUint8Array(encoder, this.prefix);
    encoding.writeVarUint(encoder, type);
    body(encoder);
    return encoding.toUint8Array(encoder);
  }

  broadcast(frame: Uint8Array, except?: Client): void {
    if (!FORWARD) return;
    for (const client of this.clients) if (client !== except) send(client.ws, frame);
  }

  receiveAwareness(client: Client, update: Uint8Array): void {
    const decoder = decoding.createDecoder(update);
    const count = decoding.readVarUint(decoder);
    for (let i = 0; i < count; i++) {
      const clientId = decoding.readVarUint(decoder);
      const clock = decoding.readVarUint(decoder);
      const json = decoding.readVarUint8Array(decoder);
      const known = this.states.get(clientId);
      if (known && known.clock >= clock) continue;
      this.states.set(clientId, { clock, json });
      this.changed.add(clientId);
      client.ids.add(clientId);
    }
    this.timer ??= setTimeout(() => this.flushAwareness(), AWARENESS_BATCH_MS);
  }

  private flushAwareness(): void {
    this.timer = undefined;
    if (this.changed.size === 0) return;
    const inner = encoding.createEncoder();
    encoding.writeVarUint(inner, this.changed.size);
    for (const clientId of this.changed) {
      const state = this.states.get(clientId)!;
      encoding.writeVarUint(inner, clientId);
      encoding.writeVarUint(inner, state.clock);
      encoding.writeVarUint8Array(inner, state.json);
    }
    this.changed.clear();
    this.broadcast(this.frame(MessageType.Awareness, (e) => encoding.writeVarUint8Array(e, encoding.toUint8Array(inner))));
  }

  /** A client left: its states go (peers drop them on their own awareness timeout). */
  forget(ids: Iterable<number>): void {
    for (const id of ids) {
      this.states.delete(id);
      this.changed.delete(id);
    }
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
}

const rooms = new Map<string, Room>();
const writes = new CoalescedWrites();

function send(ws: WebSocket, frame: Uint8Array): void {
  if (ws.readyState === ws.OPEN) ws.send(frame);
}

function receive(client: Client, data: Buffer): void {
  const decoder = decoding.createDecoder(data);
  const name = decoding.readVarString(decoder);
  const type = decoding.readVarUint(decoder);
  if (type === MessageType.Auth) {
    let room = rooms.get(name);
    if (!room) rooms.set(name, (room = new Room(name)));
    client.room = room;
    room.clients.add(client);
    send(client.ws, room.frame(MessageType.Auth, (e) => {
      encoding.writeVarUint(e, AuthType.Authenticated);
      encoding.writeVarString(e, "read-write");
    }));
    return;
  }
  const room = client.room;
  if (!room || room.name !== name) return;
  if (type === MessageType.Awareness) {
    room.receiveAwareness(client, decoding.readVarUint8Array(decoder));
  } else if (type === MessageType.Sync || type === MessageType.SyncReply) {
    const syncType = decoding.readVarUint(decoder);
    if (syncType === syncProtocol.messageYjsSyncStep1) {
      const stateVector = decoding.readVarUint8Array(decoder);
      send(client.ws, room.frame(MessageType.Sync, (e) => syncProtocol.writeSyncStep2(e, room.doc, stateVector)));
      return;
    }
    const update = decoding.readVarUint8Array(decoder);
    Y.applyUpdate(room.doc, update, client);
    room.broadcast(room.frame(MessageType.Sync, (e) => syncProtocol.writeUpdate(e, update)), client);
    send(client.ws, room.frame(MessageType.SyncStatus, (e) => encoding.writeVarUint(e, 1)));
  }
}

const http = createServer((_request, response) => response.end("ok"));
const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
wss.on("connection", (ws) => {
  // LiveShare's own write path: frames sent to one socket in one event-loop step leave in one write.
  const write = ws.send.bind(ws) as (frame: Uint8Array) => void;
  const coalesced = writes.attach(ws, (frame) => write(frame));
  ws.send = ((frame: Uint8Array) => coalesced(frame, undefined)) as WebSocket["send"];
  const client: Client = { ws, room: undefined, ids: new Set() };
  ws.on("message", (data: Buffer) => {
    try {
      receive(client, data);
    } catch {
      ws.close(1003, "malformed frame");
    }
  });
  ws.on("close", () => {
    const room = client.room;
    room?.clients.delete(client);
    room?.forget(client.ids);
    if (room && room.clients.size === 0) {
      room.dispose();
      rooms.delete(room.name);
    }
  });
  ws.on("error", () => ws.terminate());
});

http.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  const address = http.address();
  process.stdout.write(`listening ${typeof address === "object" && address ? address.port : "?"}\n`);
});

const stop = () => {
  for (const client of wss.clients) client.terminate();
  wss.close();
  http.close(() => process.exit(0));
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
