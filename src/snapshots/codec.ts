import { gunzipSync, gzipSync } from "node:zlib";
import * as Y from "yjs";
import type { Encoding } from "../storage/documents.ts";

/** Snapshots larger than this are gzip-compressed; small ones are not worth the CPU. */
export const COMPRESS_ABOVE_BYTES = 16 * 1024;

/**
 * A Yjs update in the v2 format (whose run-length coding shrinks long edit histories dramatically) as
 * stored: gzip-compressed when still large.
 */
export function encodeSnapshot(v2: Uint8Array): { data: Uint8Array; compressed: boolean; encoding: Encoding } {
  if (v2.length <= COMPRESS_ABOVE_BYTES) return { data: v2, compressed: false, encoding: "v2" };
  return { data: gzipSync(v2, { level: 6 }), compressed: true, encoding: "v2" };
}

/** The stored snapshot back as a v1 update. */
export function decodeSnapshot(data: Uint8Array, compressed: boolean, encoding: Encoding): Uint8Array {
  const raw = compressed ? new Uint8Array(gunzipSync(data)) : data;
  return encoding === "v2" ? Y.convertUpdateFormatV2ToV1(raw) : raw;
}
