/**
 * The Hocuspocus wire format, as `@hocuspocus/server` (OutgoingMessage, MessageReceiver,
 * ClientConnection) and `@hocuspocus/provider` speak it: every frame starts with the document name
 * as a varString, then a message type, then the y-protocols payload. Frames are built by hand so one
 * generator can drive a thousand users without a HocuspocusProvider each.
 */
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import * as syncProtocol from "y-protocols/sync";
import type * as Y from "yjs";

/** Hocuspocus message types (server `types.ts`). */
export const MessageType = {
  Sync: 0,
  Awareness: 1,
  Auth: 2,
  QueryAwareness: 3,
  SyncReply: 4,
  Stateless: 5,
  BroadcastStateless: 6,
  Close: 7,
  SyncStatus: 8,
  Ping: 9,
  Pong: 10,
} as const;

/** Sub-types of an Auth message (`@hocuspocus/common` auth.ts). */
export const AuthType = { Token: 0, PermissionDenied: 1, Authenticated: 2 } as const;

/** What the generator announces as its provider version (the server only records it). */
export const GENERATOR_VERSION = "liveshare-loadtest";

/** The connection-level Pong the provider answers a one-byte Ping with. */
export const PONG_FRAME = Uint8Array.of(MessageType.Pong);

/** Builds the frames of one document (room); the encoded name prefix is computed once. */
export class FrameWriter {
  private readonly prefix: Uint8Array;

  constructor(readonly documentName: string) {
    const encoder = encoding.createEncoder();
    encoding.writeVarString(encoder, documentName);
    this.prefix = encoding.toUint8Array(encoder);
  }

  private start(type: number): encoding.Encoder {
    const encoder = encoding.createEncoder();
    encoding.writeUint8Array(encoder, this.prefix);
    encoding.writeVarUint(encoder, type);
    return encoder;
  }

  /** Auth / Token: what the provider sends first on every (re)connection. */
  auth(token: string): Uint8Array {
    const encoder = this.start(MessageType.Auth);
    encoding.writeVarUint(encoder, AuthType.Token);
    encoding.writeVarString(encoder, token);
    encoding.writeVarString(encoder, GENERATOR_VERSION);
    return encoding.toUint8Array(encoder);
  }

  /** Sync step 1: our state vector, asking the server for what we lack. */
  syncStep1(doc: Y.Doc): Uint8Array {
    const encoder = this.start(MessageType.Sync);
    syncProtocol.writeSyncStep1(encoder, doc);
    return encoding.toUint8Array(encoder);
  }

  /** Sync update: one local change. */
  update(update: Uint8Array): Uint8Array {
    const encoder = this.start(MessageType.Sync);
    syncProtocol.writeUpdate(encoder, update);
    return encoding.toUint8Array(encoder);
  }

  /**
   * An awareness update for one client, encoded like y-protocols' `encodeAwarenessUpdate`
   * (count 1, clientID, clock, JSON state) without an Awareness instance, into a single buffer:
   * at 30 Hz per user this is the generator's hottest path.
   */
  awareness(clientId: number, clock: number, stateJson: string): Uint8Array {
    const stateBytes = Buffer.byteLength(stateJson);
    const innerLength = 1 + varUintLength(clientId) + varUintLength(clock) + varUintLength(stateBytes) + stateBytes;
    const frame = Buffer.allocUnsafe(this.prefix.length + 1 + varUintLength(innerLength) + innerLength);
    frame.set(this.prefix, 0);
    let at = this.prefix.length;
    frame[at++] = MessageType.Awareness;
    at = putVarUint(frame, at, innerLength);
    frame[at++] = 1;
    at = putVarUint(frame, at, clientId);
    at = putVarUint(frame, at, clock);
    at = putVarUint(frame, at, stateBytes);
    frame.write(stateJson, at, "utf8");
    return frame;
  }

  /** A reply frame of the given type whose body the caller writes (sync step 2 answers). */
  reply(type: number): encoding.Encoder {
    return this.start(type);
  }
}

/** Bytes of `value` as a lib0 varUint (7 bits per byte). */
function varUintLength(value: number): number {
  let length = 1;
  while (value > 0x7f) {
    value = Math.floor(value / 128);
    length += 1;
  }
  return length;
}

/** Writes `value` as a lib0 varUint at `at`; returns the position after it. */
function putVarUint(buffer: Uint8Array, at: number, value: number): number {
  while (value > 0x7f) {
    buffer[at++] = 0x80 | (value & 0x7f);
    value = Math.floor(value / 128);
  }
  buffer[at++] = value;
  return at;
}

/** A decoded frame header: the decoder is positioned after the message type. */
export interface FrameHeader {
  type: number;
  decoder: decoding.Decoder;
}

/** Reads the document-name prefix (skipped without decoding the string) and the message type. */
export function readHeader(frame: Uint8Array): FrameHeader {
  const decoder = decoding.createDecoder(frame);
  const nameLength = decoding.readVarUint(decoder);
  decoder.pos += nameLength;
  return { type: decoding.readVarUint(decoder), decoder };
}

/** How many client states an awareness payload carries (the first varUint of the update). */
export function awarenessStateCount(decoder: decoding.Decoder): number {
  const update = decoding.readVarUint8Array(decoder);
  return update.length === 0 ? 0 : decoding.readVarUint(decoding.createDecoder(update));
}
