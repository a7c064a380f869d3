import type { Extension, Hocuspocus, onConfigurePayload } from "@hocuspocus/server";
import * as decoding from "lib0/decoding";
import * as Y from "yjs";
import { CloseCode, CloseReason } from "../close-codes.ts";
import type { Logger } from "../logger.ts";

/** Client → server message types of the Hocuspocus wire protocol (server/src/types.ts). */
const MessageType = { Sync: 0, Awareness: 1, Auth: 2, QueryAwareness: 3, SyncReply: 4, Stateless: 5, Close: 7, Pong: 10 } as const;
const SyncType = { Step1: 0, Step2: 1, Update: 2 } as const;
const AUTH_TOKEN = 0;

/** What to do with one incoming frame. */
export type FrameVerdict = { pass: true } | { pass: false; drop: true } | { pass: false; drop: false; reason: CloseReason };

const PASS: FrameVerdict = { pass: true };
const DROP: FrameVerdict = { pass: false, drop: true };
const refuse = (reason: CloseReason): FrameVerdict => ({ pass: false, drop: false, reason });

/**
 * Checks that a /collab frame is a well-formed message a client may send. Hocuspocus would otherwise
 * answer a malformed frame by closing with a misleading 4401 "Unauthorized" (or 4205 "Reset
 * Connection"), print a stack trace to stderr, and silently ignore unknown message types.
 *
 * Trailing bytes after a well-formed message are tolerated (Hocuspocus ignores them, and newer
 * providers may append fields, as they did with the auth message's provider version). Document
 * updates are decoded where they are applied (see `durable-log.ts`); sync step 2, sent once per
 * connection, is decoded here because a read-only connection would otherwise feed it to Yjs unchecked.
 */
export function inspectFrame(frame: Uint8Array): FrameVerdict {
  // A provider answers a server Ping with a bare Pong byte (no document name); harmless, never forwarded.
  if (frame.length === 1 && frame[0] === MessageType.Pong) return DROP;
  const decoder = decoding.createDecoder(frame);
  try {
    decoding.readVarString(decoder);
    const type = decoding.readVarUint(decoder);
    switch (type) {
      case MessageType.Sync:
      case MessageType.SyncReply:
        return inspectSync(decoder);
      case MessageType.Awareness:
        return inspectAwareness(decoding.readVarUint8Array(decoder));
      case MessageType.Auth:
        if (decoding.readVarUint(decoder) !== AUTH_TOKEN) return refuse(CloseReason.MalformedFrame);
        decoding.readVarString(decoder);
        if (decoding.hasContent(decoder)) decoding.readVarString(decoder);
        return PASS;
      case MessageType.Stateless:
        decoding.readVarString(decoder);
        return PASS;
      case MessageType.QueryAwareness:
      case MessageType.Close:
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

function inspectSync(decoder: decoding.Decoder): FrameVerdict {
  const syncType = decoding.readVarUint(decoder);
  const payload = decoding.readVarUint8Array(decoder);
  switch (syncType) {
    case SyncType.Step1:
      Y.decodeStateVector(payload);
      return PASS;
    case SyncType.Step2:
      try {
        Y.decodeUpdate(payload);
      } catch {
        return refuse(CloseReason.MalformedUpdate);
      }
      return PASS;
    case SyncType.Update:
      return PASS;
    default:
      return refuse(CloseReason.UnknownMessageType);
  }
}

/** An awareness update: entries of (client id, clock, JSON state) where a state is an object or null. */
function inspectAwareness(update: Uint8Array): FrameVerdict {
  const decoder = decoding.createDecoder(update);
  try {
    const count = decoding.readVarUint(decoder);
    for (let i = 0; i < count; i++) {
      decoding.readVarUint(decoder);
      decoding.readVarUint(decoder);
      const state: unknown = JSON.parse(decoding.readVarString(decoder));
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
 * reaches a document. Installed by wrapping `handleConnection`, Hocuspocus's entry point for sockets.
 */
export class FrameGuard implements Extension {
  extensionName = "frame-guard";

  constructor(private readonly logger: Logger) {}

  async onConfigure({ instance }: onConfigurePayload): Promise<void> {
    this.install(instance);
  }

  install(instance: Hocuspocus): void {
    const handleConnection = instance.handleConnection.bind(instance);
    const logger = this.logger;
    instance.handleConnection = (incoming, request, defaultContext) => {
      const client = handleConnection(incoming, request, defaultContext);
      const handleMessage = client.handleMessage;
      let refused = false;
      client.handleMessage = (data: Uint8Array) => {
        // Frames already in flight when the socket was refused are not looked at.
        if (refused) return;
        const verdict = inspectFrame(data);
        if (verdict.pass) return handleMessage(data);
        if (verdict.drop) return;
        refused = true;
        logger.info({ reason: verdict.reason, bytes: data.length }, "malformed frame; socket closed");
        incoming.close(CloseCode.BadRequest, verdict.reason);
      };
      return client;
    };
  }
}
