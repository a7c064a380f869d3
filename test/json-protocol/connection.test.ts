/**
 * `JsonConnection` driven without a socket: messages in through `handleText`, answers out through a
 * recording `{ send, close }` — the same logic the WebSocket endpoint runs.
 */
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { CloseCode } from "../../src/close-codes.ts";
import { CriticalLimiter } from "../../src/limits/critical-limiter.ts";
import { JsonRooms } from "../../src/json-protocol/json-room.ts";
import { JsonCloseReason, JsonConnection, type ClientSocket } from "../../src/json-protocol/json-connection.ts";
import type { ServerMessage } from "../../src/json-protocol/messages.ts";
import { readSchema } from "../../src/schema-doc/index.ts";
import * as Y from "yjs";
import { liveShareFixture } from "../helpers/fixture.ts";
import { waitFor } from "../helpers/wait.ts";

class RecordingSocket implements ClientSocket {
  readonly sent: ServerMessage[] = [];
  closedWith: { code: number; reason: string } | undefined;
  isCongested = false;
  congested(): boolean {
    return this.isCongested;
  }
  send(message: ServerMessage): void {
    this.sent.push(message);
  }
  close(code: number, reason: string): void {
    this.closedWith = { code, reason };
  }
}

describe("a JSON connection without a socket", () => {
  const live = liveShareFixture();
  afterEach(() => {
    rooms = undefined as unknown as JsonRooms;
  });

  let rooms: JsonRooms;
  const session = (options: { authTimeoutMs?: number } = {}) => {
    const { core } = live.server.liveshare;
    const logger = pino({ level: "silent" });
    const socket = new RecordingSocket();
    rooms ??= new JsonRooms(() => ({ fullSyncIntervalMs: 20_000 }));
    const s = new JsonConnection(
      {
        core,
        rooms,
        limiter: new CriticalLimiter({ burst: 100, perSecond: 50, metrics: core.metrics, logger }),
        logger,
        ...options,
      },
      socket,
    );
    return { s, socket };
  };

  // SPEC: JSON-6
  it("closes a connection that sends no Auth within the auth timeout", async () => {
    await live.start();
    const { socket } = session({ authTimeoutMs: 50 });
    await waitFor(() => socket.closedWith !== undefined, "the auth timeout");
    expect(socket.closedWith).toEqual({ code: CloseCode.Timeout, reason: JsonCloseReason.AuthTimeout });
  });

  // SPEC: JSON-9, DUR-1
  it("acknowledges GraphOps in the order they were sent, each once its edit is durable", async () => {
    const server = await live.start();
    const { token, roomId, diagramId } = await server.api.room();
    const { s, socket } = session();
    s.handleText(JSON.stringify({ type: "Auth", token, room_id: roomId }));
    for (let i = 0; i < 30; i++) s.handleText(JSON.stringify({ type: "GraphOp", op: { type: "CreateTable", name: `t${i}`, x: i, y: 0 }, request_id: i }));
    await waitFor(() => socket.sent.filter((m) => m.type === "OpApplied").length === 30, "30 acknowledgements");
    const acks = socket.sent.flatMap((m) => (m.type === "OpApplied" ? [m.request_id] : []));
    expect(acks).toEqual(Array.from({ length: 30 }, (_, i) => i));
    const stored = await server.liveshare.core.documents.load(diagramId);
    const doc = new Y.Doc();
    Y.applyUpdate(doc, stored.update!);
    expect(readSchema(doc).tables).toHaveLength(30);
    s.closed();
  });

  it("is a member of the room while joined, and lets the room document go when it leaves", async () => {
    const server = await live.start();
    const { token, roomId } = await server.api.room();
    const { core } = server.liveshare;
    const { s, socket } = session();
    s.handleText(JSON.stringify({ type: "Auth", token, room_id: roomId }));
    await waitFor(() => socket.sent.some((m) => m.type === "RoomInfo"), "RoomInfo");
    expect(core.rooms.membersOf(roomId).map((m) => [m.protocol, m.readOnly])).toEqual([["json", false]]);
    expect(core.hocuspocus.documents.has(roomId)).toBe(true);
    s.closed();
    await s.finished();
    expect(core.rooms.membersOf(roomId)).toEqual([]);
    await waitFor(() => !core.hocuspocus.documents.has(roomId), "the document to unload");
  });

  // SPEC: JSON-25
  it("drops cursors for a congested client and brings its presence up to date with RoomInfo once it catches up", async () => {
    const server = await live.start();
    const { token, userId, roomId } = await server.api.room();
    const slow = session();
    const mover = session();
    for (const { s } of [slow, mover]) s.handleText(JSON.stringify({ type: "Auth", token, room_id: roomId }));
    await waitFor(() => [slow, mover].every(({ socket }) => socket.sent.some((m) => m.type === "RoomInfo")), "both joined");
    slow.socket.isCongested = true;
    mover.s.handleText(JSON.stringify({ type: "CursorMove", position: [1, 1] }));
    await waitFor(async () => (await server.liveshare.core.metrics.messagesDropped.get()).values.some((v) => v.labels.reason === "congested" && v.labels.message_type === "CursorMove"), "a dropped cursor");
    expect(slow.socket.sent.filter((m) => m.type === "CursorMove")).toEqual([]);
    slow.socket.isCongested = false;
    mover.s.handleText(JSON.stringify({ type: "CursorMove", position: [2, 2] }));
    await waitFor(() => slow.socket.sent.some((m) => m.type === "CursorMove"), "the next cursor");
    const tail = slow.socket.sent.slice(-2);
    expect(tail.map((m) => m.type)).toEqual(["RoomInfo", "CursorMove"]);
    expect(tail[0]).toMatchObject({ users: [expect.objectContaining({ user_id: userId })] });
    slow.s.closed();
    mover.s.closed();
  });
});
