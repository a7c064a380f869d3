import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import WebSocket from "ws";
import * as Y from "yjs";
import { AuthType, MessageType, SyncStep } from "../../src/collab/wire.ts";
import { waitFor } from "./wait.ts";

/** One frame the server sent, decoded as far as tests need. */
export type ServerFrame =
  | { room: string; type: "authenticated"; scope: string }
  | { room: string; type: "permission-denied"; reason: string }
  | { room: string; type: "sync-status"; applied: boolean }
  | { room: string; type: "close"; reason: string }
  | { room: string; type: "sync"; syncType: number; payload: Uint8Array }
  | { room: string; type: "other"; messageType: number };

/** Frame builders: exactly what a HocuspocusProvider sends, so tests can send them — or break them. */
export const frames = {
  auth(room: string, token: string): Uint8Array {
    return build(room, MessageType.Auth, (e) => {
      encoding.writeVarUint(e, AuthType.Token);
      encoding.writeVarString(e, token);
    });
  },
  syncStep1(room: string, doc: Y.Doc): Uint8Array {
    return build(room, MessageType.Sync, (e) => {
      encoding.writeVarUint(e, SyncStep.Step1);
      encoding.writeVarUint8Array(e, Y.encodeStateVector(doc));
    });
  },
  syncStep2(room: string, update: Uint8Array): Uint8Array {
    return build(room, MessageType.Sync, (e) => {
      encoding.writeVarUint(e, SyncStep.Step2);
      encoding.writeVarUint8Array(e, update);
    });
  },
  update(room: string, update: Uint8Array): Uint8Array {
    return build(room, MessageType.Sync, (e) => {
      encoding.writeVarUint(e, SyncStep.Update);
      encoding.writeVarUint8Array(e, update);
    });
  },
  awareness(room: string, update: Uint8Array): Uint8Array {
    return build(room, MessageType.Awareness, (e) => encoding.writeVarUint8Array(e, update));
  },
  queryAwareness(room: string): Uint8Array {
    return build(room, MessageType.QueryAwareness, () => {});
  },
  stateless(room: string, payload: string): Uint8Array {
    return build(room, MessageType.Stateless, (e) => encoding.writeVarString(e, payload));
  },
  /** A message type no Hocuspocus version defines. */
  unknownType(room: string, type = 99): Uint8Array {
    return build(room, type, (e) => encoding.writeVarUint(e, 0));
  },
};

function build(room: string, type: number, body: (e: encoding.Encoder) => void): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, room);
  encoding.writeVarUint(e, type);
  body(e);
  return encoding.toUint8Array(e);
}

export function decodeServerFrame(data: Uint8Array): ServerFrame {
  const d = decoding.createDecoder(data);
  const room = decoding.readVarString(d);
  const type = decoding.readVarUint(d);
  switch (type) {
    case MessageType.Auth: {
      const sub = decoding.readVarUint(d);
      if (sub === AuthType.Authenticated) return { room, type: "authenticated", scope: decoding.readVarString(d) };
      if (sub === AuthType.PermissionDenied) return { room, type: "permission-denied", reason: decoding.readVarString(d) };
      return { room, type: "other", messageType: type };
    }
    case MessageType.SyncStatus:
      return { room, type: "sync-status", applied: decoding.readVarInt(d) === 1 };
    case MessageType.CLOSE:
      return { room, type: "close", reason: decoding.readVarString(d) };
    case MessageType.Sync:
    case MessageType.SyncReply:
      return { room, type: "sync", syncType: decoding.readVarUint(d), payload: decoding.readVarUint8Array(d) };
    default:
      return { room, type: "other", messageType: type };
  }
}

/**
 * A bare WebSocket client that speaks (or deliberately breaks) the Hocuspocus wire protocol: it
 * records every frame the server sends and how the socket closed.
 */
export class RawClient {
  readonly received: ServerFrame[] = [];
  /** Frames that did not decode (the server never sends these; a test would notice). */
  readonly undecodable: Uint8Array[] = [];
  closeEvent: { code: number; reason: string } | undefined;

  private constructor(readonly socket: WebSocket) {
    socket.on("message", (data: Buffer, isBinary: boolean) => {
      const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      if (!isBinary) return void this.undecodable.push(bytes);
      try {
        this.received.push(decodeServerFrame(bytes));
      } catch {
        this.undecodable.push(bytes);
      }
    });
    socket.on("close", (code, reason) => {
      this.closeEvent = { code, reason: reason.toString() };
    });
    // A refused or reset socket reports an error too; the close event carries what tests check.
    socket.on("error", () => {});
  }

  static async open(wsUrl: string, path = "/collab"): Promise<RawClient> {
    const socket = new WebSocket(`${wsUrl}${path}`);
    const client = new RawClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", reject);
    });
    return client;
  }

  /** Sends a frame; binary unless `text` is set. Never throws on a closed socket. */
  send(data: Uint8Array | string, options: { text?: boolean } = {}): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    this.socket.send(data, { binary: !options.text });
  }

  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  /** Authenticates for `room` and waits for the server's answer. */
  async authenticate(room: string, token: string): Promise<ServerFrame> {
    const before = this.received.length;
    this.send(frames.auth(room, token));
    let answer: ServerFrame | undefined;
    await waitFor(() => {
      answer = this.received.slice(before).find((f) => f.room === room && (f.type === "authenticated" || f.type === "permission-denied"));
      return answer !== undefined || this.closeEvent !== undefined;
    }, `an authentication answer for ${room}`);
    if (!answer) throw new Error(`socket closed before answering: ${JSON.stringify(this.closeEvent)}`);
    return answer;
  }

  /**
   * Authenticates and syncs: once the server has answered sync step 1, the document connection
   * exists and every later frame is handled as a connected client's.
   */
  async join(room: string, token: string): Promise<ServerFrame> {
    const answer = await this.authenticate(room, token);
    if (answer.type !== "authenticated") return answer;
    const from = this.received.length;
    this.send(frames.syncStep1(room, new Y.Doc()));
    await this.next((f): f is Extract<ServerFrame, { type: "sync" }> => f.type === "sync" && f.room === room, from, "the server's sync step 2");
    return answer;
  }

  /** Waits for a frame matching `predicate` among those received after `from`. */
  async next<T extends ServerFrame>(predicate: (f: ServerFrame) => f is T, from = 0, what = "a frame"): Promise<T> {
    let found: T | undefined;
    await waitFor(() => (found = this.received.slice(from).find(predicate)) !== undefined, what);
    return found!;
  }

  async closed(timeoutMs = 10_000): Promise<{ code: number; reason: string }> {
    await waitFor(() => this.closeEvent !== undefined, "the socket to close", timeoutMs);
    return this.closeEvent!;
  }

  close(): void {
    this.socket.terminate();
  }
}

export const isSyncStatus = (f: ServerFrame): f is Extract<ServerFrame, { type: "sync-status" }> => f.type === "sync-status";
export const isClose = (f: ServerFrame): f is Extract<ServerFrame, { type: "close" }> => f.type === "close";
