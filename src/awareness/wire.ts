import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";

/** Hocuspocus outer message types this layer looks at (Hocuspocus `types.ts` MessageType). */
export const FrameType = {
  Sync: 0,
  Awareness: 1,
  Auth: 2,
  SyncReply: 4,
} as const;

/** y-protocols sync sub-messages. */
export const SyncStep = {
  Step1: 0,
  Step2: 1,
  Update: 2,
} as const;

/** One entry of a y-protocols awareness update: a client's state (JSON text; "null" removes it). */
export interface AwarenessEntry {
  clientId: number;
  clock: number;
  /** The state's JSON text, unparsed (presence parses what it needs of it). */
  json: string;
}

/** Largest number of entries accepted in one awareness update from a client (a provider sends 1). */
export const MAX_ENTRIES = 64;

/**
 * Reads the awareness update that follows the outer type in a frame: `varUint count`, then per entry
 * `varUint clientID, varUint clock, varString JSON`. Throws on a truncated or oversized update.
 */
export function readAwarenessEntries(decoder: decoding.Decoder): AwarenessEntry[] {
  // Read in place (the update is a length-prefixed part of the frame), bounded by its length.
  const length = decoding.readVarUint(decoder);
  const end = decoder.pos + length;
  if (end > decoder.arr.length) throw new RangeError("awareness update longer than its frame");
  const count = decoding.readVarUint(decoder);
  if (count > MAX_ENTRIES) throw new RangeError(`awareness update with ${count} entries`);
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

/** Encodes one awareness update for `applyAwarenessUpdate` (the inverse of the inner format above). */
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

/** Byte length of a frame's address prefix (`varString`), i.e. the offset of its outer type byte. */
export function addressPrefixLength(address: string): number {
  const encoder = encoding.createEncoder();
  encoding.writeVarString(encoder, address);
  return encoding.length(encoder);
}
