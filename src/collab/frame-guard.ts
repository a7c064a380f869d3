import { OutgoingMessage, type Extension, type connectedPayload } from "@hocuspocus/server";
import * as decoding from "lib0/decoding";
import type { WebSocket } from "ws";
import * as Y from "yjs";
import type { FrameStage } from "./stages.ts";
import { AuthType, FrameHeaderReader, MessageType, SyncStep, bodyDecoder, readAwarenessUpdate, type FrameHeader } from "./wire.ts";
import { CloseCode, CloseReason } from "../close-codes.ts";
import type { Logger } from "../logger.ts";
import { updateProblem } from "./update-check.ts";

/** What to do with one incoming frame. */
export type FrameVerdict =
  | { pass: true }
  | { pass: false; drop: true }
  | { pass: false; drop: false; reason: CloseReason }
  /** Refuse this document (an Auth for it) with `deny`; the socket stays. */
  | { pass: false; drop: false; deny: CloseReason };

const PASS: FrameVerdict = { pass: true };
/** Passed, and its document update checked (the durable log need not check it again). */
const CHECKED: FrameVerdict = { pass: true };
const DROP: FrameVerdict = { pass: false, drop: true };
const refuse = (reason: CloseReason): FrameVerdict => ({ pass: false, drop: false, reason });

/**
 * Checks that a /collab frame is a well-formed message a client may send. Hocuspocus would otherwise
 * answer a malformed frame by closing with a misleading 4401 "Unauthorized" (or 4205 "Reset
 * Connection"), print a stack trace to stderr, and silently ignore unknown message types.
 *
 * Document updates to a room the socket is connected to (`isConnected`) are checked here too
 * (`updateProblem`: they decode, and they will apply): `durable-log.ts` refuses a bad one as well,
 * but only after Hocuspocus has printed the error with a stack trace, and a read-only connection's
 * sync step 2 would reach Yjs unchecked. Updates sent before authentication are only checked for
 * framing: decoding them would let anyone without a token spend the server's CPU (Hocuspocus queues
 * them, and the durable log checks them on arrival).
 *
 * Trailing bytes after a well-formed message are tolerated (Hocuspocus ignores them, and newer
 * providers may append fields, as they did with the auth message's provider version).
 */
export function inspectFrame(frame: Uint8Array, isConnected: (room: string) => boolean = () => true): FrameVerdict {
  const header = new FrameHeaderReader().read(frame);
  return inspectHeader(frame, header, header !== undefined && isConnected(header.room));
}

/**
 * `inspectFrame` for a frame whose header was read already (undefined: it could not be);
 * `connected` tells whether the socket has a document connection to the frame's room.
 */
export function inspectHeader(frame: Uint8Array, header: FrameHeader | undefined, connected: boolean): FrameVerdict {
  // A provider answers a server Ping with a bare Pong byte (no document name); harmless, never forwarded.
  if (frame.length === 1 && frame[0] === MessageType.Pong) return DROP;
  if (!header) return refuse(CloseReason.MalformedFrame);
  // Not a room: an Auth is answered by the guard (`invalid-room-id`), anything else dropped.
  if (!header.roomIsId) return header.type === MessageType.Auth ? { pass: false, drop: false, deny: CloseReason.InvalidRoomId } : DROP;
  // Presence decodes and validates a connected room's awareness itself: parse it once, there.
  if (header.type === MessageType.Awareness && connected) return PASS;
  const decoder = bodyDecoder(header);
  try {
    switch (header.type) {
      case MessageType.Sync:
      case MessageType.SyncReply:
        // The address may be `room\0suffix` (providers that multiplex one socket).
        return inspectSync(decoder, connected);
      case MessageType.Awareness:
        return inspectAwareness(decoding.readVarUint8Array(decoder));
      case MessageType.Auth:
        if (decoding.readVarUint(decoder) !== AuthType.Token) return refuse(CloseReason.MalformedFrame);
        decoding.readVarString(decoder);
        if (decoding.hasContent(decoder)) decoding.readVarString(decoder);
        return PASS;
      case MessageType.Stateless:
        decoding.readVarString(decoder);
        return PASS;
      case MessageType.QueryAwareness:
      case MessageType.CLOSE:
        return PASS;
      default:
        // Includes the server-only types (BroadcastStateless, SyncStatus, Ping).
        return refuse(CloseReason.UnknownMessageType);
    }
  } catch {
    // lib0 throws on a truncated varint/array and on invalid UTF-8 in a string.
    return refuse(CloseReason.MalformedFrame);
  }
}

function inspectSync(decoder: decoding.Decoder, decodeUpdate: boolean): FrameVerdict {
  const syncType = decoding.readVarUint(decoder);
  const payload = decoding.readVarUint8Array(decoder);
  switch (syncType) {
    case SyncStep.Step1:
      Y.decodeStateVector(payload);
      return PASS;
    case SyncStep.Step2:
    case SyncStep.Update:
      if (!decodeUpdate) return PASS;
      switch (updateProblem(payload)) {
        case undefined:
          return CHECKED;
        case "undecodable":
          return refuse(CloseReason.MalformedUpdate);
        case "unapplicable":
          return refuse(CloseReason.UnapplicableUpdate);
      }
    default:
      return refuse(CloseReason.UnknownMessageType);
  }
}

/**
 * An awareness update: entries of (client id, clock, JSON state) where a state is an object or null.
 * As many entries as it holds: this is a room not connected (yet), whose presence is not read here.
 */
function inspectAwareness(update: Uint8Array): FrameVerdict {
  try {
    for (const { json } of readAwarenessUpdate(update, Number.POSITIVE_INFINITY)) {
      const state: unknown = JSON.parse(json);
      if (state !== null && (typeof state !== "object" || Array.isArray(state))) return refuse(CloseReason.MalformedAwareness);
    }
    return PASS;
  } catch {
    return refuse(CloseReason.MalformedAwareness);
  }
}

/**
 * Inspects every frame a /collab client sends before Hocuspocus parses it; a malformed frame or an
 * unknown message type closes the socket with 4400 and a reason naming the problem, and nothing of it
 * reaches a document. The first of the `/collab` endpoint's frame stages.
 */
export class FrameGuard implements Extension, FrameStage {
  extensionName = "frame-guard";
  /** Before other `connected` hooks (authentication's awaits the database): updates are checked sooner. */
  priority = 1100;
  /** Socket → the rooms it has a document connection to (past authentication). */
  private readonly connectedRooms = new WeakMap<object, Set<string>>();
  /** Sockets refused: frames already in flight are not looked at. */
  private readonly refused = new WeakSet<object>();
  /** Frames whose document update was checked here (`updateProblem`), until Hocuspocus handles them. */
  private readonly checkedUpdates = new WeakSet<Uint8Array>();

  constructor(
    private readonly logger: Logger,
    /** A client's document update was refused: it does not decode, or it would not apply. */
    private readonly onRefusedUpdate?: (reason: CloseReason) => void,
  ) {}

  /** True when `frame` carries a document update this guard checked. */
  checked(frame: Uint8Array): boolean {
    return this.checkedUpdates.has(frame);
  }

  async connected({ connection, documentName }: connectedPayload): Promise<void> {
    const socket = connection.webSocket;
    if (!connection.document.hasConnection(connection)) return;
    let rooms = this.connectedRooms.get(socket);
    if (!rooms) this.connectedRooms.set(socket, (rooms = new Set()));
    const connected = rooms;
    connected.add(documentName);
    connection.onClose(() => connected.delete(documentName));
  }

  take(frame: Uint8Array, header: FrameHeader | undefined, socket: WebSocket): boolean {
    if (this.refused.has(socket)) return true;
    const connected = header !== undefined && this.connectedRooms.get(socket)?.has(header.room) === true;
    const verdict = inspectHeader(frame, header, connected);
    if (verdict.pass) {
      if (verdict === CHECKED) this.checkedUpdates.add(frame);
      return false;
    }
    if (verdict.drop) return true;
    if ("deny" in verdict) {
      // The address is the client's own; it is sent back, never logged.
      socket.send(new OutgoingMessage(header!.address).writePermissionDenied(verdict.deny).toUint8Array());
      this.logger.info({ reason: verdict.deny }, "connection refused");
      return true;
    }
    this.refused.add(socket);
    if (verdict.reason === CloseReason.MalformedUpdate || verdict.reason === CloseReason.UnapplicableUpdate) this.onRefusedUpdate?.(verdict.reason);
    this.logger.info({ reason: verdict.reason, bytes: frame.length }, "malformed frame; socket closed");
    socket.close(CloseCode.BadRequest, verdict.reason);
    return true;
  }
}
