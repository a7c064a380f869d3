/**
 * The `/collab` wire format, read in one place: Hocuspocus frames (`varString address`, `varUint
 * type`, then the y-protocols payload the type announces), their headers, sync messages and awareness
 * updates. The readers on the per-frame path (header, varUint) allocate nothing.
 */
import { MessageType } from "@hocuspocus/server";
import type { AuthMessageType } from "@hocuspocus/common";
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import { messageYjsSyncStep1, messageYjsSyncStep2, messageYjsUpdate } from "y-protocols/sync";

/** Hocuspocus's outer message types (`Sync`, `Awareness`, `Auth`, …, `SyncStatus`, `Ping`, `Pong`). */
export { MessageType };

/** The y-protocols sync message that follows a `Sync` or `SyncReply` type (y-protocols' own constants). */
export const SyncStep = {
  Step1: messageYjsSyncStep1,
  Step2: messageYjsSyncStep2,
  Update: messageYjsUpdate,
} as const;

/**
 * The sub-type that follows an `Auth` type. Declared here because `AuthMessageType`'s package,
 * `@hocuspocus/common`, is not a dependency of ours; the compiler checks these values against it.
 */
export const AuthType = {
  Token: 0,
  PermissionDenied: 1,
  Authenticated: 2,
} as const satisfies { [K in keyof typeof AuthMessageType]: (typeof AuthMessageType)[K] };

/** A read position in a frame, moved past what is read. Each reader owns one: nothing is allocated per frame, and no state is shared. */
export interface WireCursor {
  pos: number;
}

/**
 * The lib0 `varUint` at `cursor.pos` (7 bits a byte, low first), moving `cursor.pos` past it; -1 when
 * the frame ends first or the value is over 2^53 (`cursor.pos` is then meaningless).
 */
export function readVarUint(bytes: Uint8Array, cursor: WireCursor): number {
  let value = 0;
  let multiplier = 1;
  for (let i = cursor.pos; i < bytes.length; i++) {
    const byte = bytes[i]!;
    value += (byte & 0x7f) * multiplier;
    if (byte < 0x80) {
      cursor.pos = i + 1;
      return value;
    }
    multiplier *= 128;
    if (value > Number.MAX_SAFE_INTEGER) return -1;
  }
  return -1;
}

/**
 * A frame's message type, read from the start of the frame without decoding its address;
 * `cursor.pos` is left at the body. -1 when the frame is cut short.
 */
export function readFrameType(bytes: Uint8Array, cursor: WireCursor): number {
  cursor.pos = 0;
  const addressLength = readVarUint(bytes, cursor);
  if (addressLength < 0) return -1;
  cursor.pos += addressLength;
  return readVarUint(bytes, cursor);
}

/** The start of a frame: its address, its type and, for `Sync` and `SyncReply`, the sync step. */
export interface FrameHeader {
  bytes: Uint8Array;
  address: string;
  /** The document name: the address up to a `\0`. */
  room: string;
  /**
   * The address names a room by its id (a lowercase UUID), optionally followed by `\0` and a
   * suffix of letters, digits, `-` and `_` (providers that multiplex one socket; Hocuspocus's
   * "session awareness"): nothing else is a document a client may open, and
   * nothing else reaches Hocuspocus (which would print a client-chosen name, newlines and all).
   */
  roomIsId: boolean;
  /** `MessageType`. */
  type: number;
  /** `SyncStep` of a `Sync` or `SyncReply` frame; -1 for other types, or when cut short. */
  syncStep: number;
  /** Offset of the first byte after the type. */
  bodyOffset: number;
}

/** Strict UTF-8, as lib0 decodes strings: a frame with invalid UTF-8 in its address is malformed. */
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

const ROOM_ADDRESS = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?:\u0000[A-Za-z0-9_-]{1,64})?$/;

/**
 * Reads frame headers of one socket (one reader for what it receives, one for what it sends). Nearly
 * every frame of a socket has the same address, so the last address's bytes are kept and a frame
 * starting with the same bytes reuses its string: no UTF-8 decoding and no new string for 30 cursor
 * frames a second.
 */
export class FrameHeaderReader {
  private addressBytes: Uint8Array | undefined;
  private address = "";
  private room = "";
  private roomIsId = false;
  private readonly cursor: WireCursor = { pos: 0 };
  private readonly header: FrameHeader = { bytes: new Uint8Array(0), address: "", room: "", roomIsId: false, type: 0, syncStep: -1, bodyOffset: 0 };

  /**
   * The frame's header, or undefined when the frame is too short or its address is not UTF-8. The
   * header object is this reader's and is overwritten by the next frame: stages use it synchronously.
   */
  read(bytes: Uint8Array): FrameHeader | undefined {
    const cursor = this.cursor;
    cursor.pos = 0;
    const length = readVarUint(bytes, cursor);
    if (length < 0) return undefined;
    const start = cursor.pos;
    const end = start + length;
    if (end > bytes.length) return undefined;
    if (!this.sameAddress(bytes, start, length)) {
      try {
        this.address = utf8.decode(bytes.subarray(start, end));
      } catch {
        return undefined;
      }
      this.addressBytes = bytes.slice(start, end);
      const separator = this.address.indexOf("\u0000");
      this.room = separator === -1 ? this.address : this.address.slice(0, separator);
      this.roomIsId = ROOM_ADDRESS.test(this.address);
    }
    cursor.pos = end;
    const type = readVarUint(bytes, cursor);
    if (type < 0) return undefined;
    const header = this.header;
    header.bytes = bytes;
    header.address = this.address;
    header.room = this.room;
    header.roomIsId = this.roomIsId;
    header.type = type;
    header.bodyOffset = cursor.pos;
    header.syncStep = type === MessageType.Sync || type === MessageType.SyncReply ? readVarUint(bytes, cursor) : -1;
    return header;
  }

  private sameAddress(bytes: Uint8Array, start: number, length: number): boolean {
    const known = this.addressBytes;
    if (known === undefined || known.length !== length) return false;
    for (let i = 0; i < length; i++) if (bytes[start + i] !== known[i]) return false;
    return true;
  }
}

/** A decoder positioned at the frame's body (after the type). */
export function bodyDecoder(header: FrameHeader): decoding.Decoder {
  const decoder = decoding.createDecoder(header.bytes);
  decoder.pos = header.bodyOffset;
  return decoder;
}

/**
 * The Yjs update a frame carries (a `Sync` or `SyncReply` frame's step 2 or update), or null for any
 * other frame. lib0 throws on a frame cut short.
 */
export function readDocumentUpdate(frame: Uint8Array): Uint8Array | null {
  const decoder = decoding.createDecoder(frame);
  decoding.readVarString(decoder);
  const type = decoding.readVarUint(decoder);
  if (type !== MessageType.Sync && type !== MessageType.SyncReply) return null;
  const step = decoding.readVarUint(decoder);
  if (step !== SyncStep.Step2 && step !== SyncStep.Update) return null;
  return decoding.readVarUint8Array(decoder);
}

/** One entry of a y-protocols awareness update: a client's state (JSON text; "null" removes it). */
export interface AwarenessEntry {
  clientId: number;
  clock: number;
  /** The state's JSON text, unparsed (presence parses what it needs of it). */
  json: string;
}

/** Largest number of entries accepted in one awareness update from a client (a provider sends 1). */
export const MAX_AWARENESS_ENTRIES = 64;

/**
 * Reads the awareness update that follows the type in an `Awareness` frame (`decoder` at the body):
 * `varUint length`, then the update. Throws on a truncated update or more than `maxEntries` entries.
 */
export function readAwarenessEntries(decoder: decoding.Decoder, maxEntries = MAX_AWARENESS_ENTRIES): AwarenessEntry[] {
  // Read in place (the update is a length-prefixed part of the frame), bounded by its length.
  const length = decoding.readVarUint(decoder);
  const end = decoder.pos + length;
  if (end > decoder.arr.length) throw new RangeError("awareness update longer than its frame");
  return readEntries(decoder, end, maxEntries);
}

/** The one entry of an awareness update that holds one, where it lies in its frame. */
export interface LoneAwarenessEntry {
  clientId: number;
  clock: number;
  /** The entry's JSON text is the frame's bytes [jsonStart, jsonEnd), not yet checked to be UTF-8. */
  jsonStart: number;
  jsonEnd: number;
}

/**
 * Reads an `Awareness` frame whose update holds exactly one entry — what a provider sends, 30 times a
 * second — in place: no decoder, no entries array, no string. Each reader owns its entry object, which
 * the next frame overwrites.
 */
export class LoneEntryReader {
  private readonly cursor: WireCursor = { pos: 0 };
  private readonly entry: LoneAwarenessEntry = { clientId: 0, clock: 0, jsonStart: 0, jsonEnd: 0 };

  /**
   * The entry, when `readAwarenessEntries` would read exactly this one entry from the frame (its text
   * aside, which it would also decode); undefined for any other frame, which that reader then reads,
   * throwing on a malformed one.
   */
  read(header: FrameHeader): LoneAwarenessEntry | undefined {
    const { bytes } = header;
    const cursor = this.cursor;
    cursor.pos = header.bodyOffset;
    const length = readVarUint(bytes, cursor);
    if (length < 0) return undefined;
    const end = cursor.pos + length;
    if (end > bytes.length || readVarUint(bytes, cursor) !== 1) return undefined;
    const clientId = readVarUint(bytes, cursor);
    const clock = clientId < 0 ? -1 : readVarUint(bytes, cursor);
    const jsonLength = clock < 0 ? -1 : readVarUint(bytes, cursor);
    if (jsonLength < 0) return undefined;
    const jsonEnd = cursor.pos + jsonLength;
    // As `readEntries`: the entry may not run past its update (nor, then, past the frame).
    if (jsonEnd > end) return undefined;
    const entry = this.entry;
    entry.clientId = clientId;
    entry.clock = clock;
    entry.jsonStart = cursor.pos;
    entry.jsonEnd = jsonEnd;
    return entry;
  }
}

/** Reads a bare awareness update (what `applyAwarenessUpdate` takes). Throws as `readAwarenessEntries`. */
export function readAwarenessUpdate(update: Uint8Array, maxEntries = MAX_AWARENESS_ENTRIES): AwarenessEntry[] {
  return readEntries(decoding.createDecoder(update), update.length, maxEntries);
}

/** `varUint count`, then per entry `varUint clientID, varUint clock, varString JSON`, ending by `end`. */
function readEntries(decoder: decoding.Decoder, end: number, maxEntries: number): AwarenessEntry[] {
  const count = decoding.readVarUint(decoder);
  if (count > maxEntries) throw new RangeError(`awareness update with ${count} entries`);
  const entries: AwarenessEntry[] = [];
  for (let i = 0; i < count; i++) {
    const clientId = decoding.readVarUint(decoder);
    const clock = decoding.readVarUint(decoder);
    const json = decoding.readVarString(decoder);
    if (decoder.pos > end) break;
    entries.push({ clientId, clock, json });
  }
  if (decoder.pos > end) throw new RangeError("awareness entries longer than their update");
  return entries;
}

/** Encodes one awareness update for `applyAwarenessUpdate` (the inverse of `readAwarenessUpdate`). */
export function encodeAwarenessEntries(entries: ReadonlyArray<{ clientId: number; clock: number; state: unknown }>): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, entries.length);
  for (const entry of entries) {
    encoding.writeVarUint(encoder, entry.clientId);
    encoding.writeVarUint(encoder, entry.clock);
    encoding.writeVarString(encoder, JSON.stringify(entry.state));
  }
  return encoding.toUint8Array(encoder);
}
