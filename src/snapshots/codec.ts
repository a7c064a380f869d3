import { gunzipSync, gzipSync } from "node:zlib";

/** Snapshots larger than this are gzip-compressed; small ones are not worth the CPU. */
export const COMPRESS_ABOVE_BYTES = 16 * 1024;

/** A Yjs update as stored: compressed when large. */
export function encodeSnapshot(update: Uint8Array): { data: Uint8Array; compressed: boolean } {
  if (update.length <= COMPRESS_ABOVE_BYTES) return { data: update, compressed: false };
  return { data: gzipSync(update, { level: 6 }), compressed: true };
}

export function decodeSnapshot(data: Uint8Array, compressed: boolean): Uint8Array {
  return compressed ? new Uint8Array(gunzipSync(data)) : data;
}
