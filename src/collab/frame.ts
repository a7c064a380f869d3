import * as decoding from "lib0/decoding";

/**
 * The start of a `/collab` frame in the Hocuspocus wire format: `varString address` (a document
 * name, or `name\0session`), then `varUint type`; the rest depends on the type.
 */
export interface FrameHeader {
  bytes: Uint8Array;
  address: string;
  /** The document name: the address up to a `\0`. */
  room: string;
  type: number;
  /** Offset of the first byte after the type. */
  bodyOffset: number;
}

/** Strict UTF-8, as lib0 decodes strings: a frame with invalid UTF-8 in its address is malformed. */
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Reads frame headers of one socket. A client sends nearly every frame to the same document, so the
 * last address's bytes are kept and a frame starting with the same bytes reuses its string: no UTF-8
 * decoding and no new string for 30 cursor frames a second.
 */
export class FrameHeaderReader {
  private addressBytes: Uint8Array | undefined;
  private address = "";
  private room = "";

  /** The frame's header, or undefined when the frame is too short or its address is not UTF-8. */
  read(bytes: Uint8Array): FrameHeader | undefined {
    try {
      const decoder = decoding.createDecoder(bytes);
      const length = decoding.readVarUint(decoder);
      const start = decoder.pos;
      const end = start + length;
      if (end > bytes.length) return undefined;
      if (!this.sameAddress(bytes, start, length)) {
        this.address = utf8.decode(bytes.subarray(start, end));
        this.addressBytes = bytes.slice(start, end);
        const separator = this.address.indexOf("\u0000");
        this.room = separator === -1 ? this.address : this.address.slice(0, separator);
      }
      decoder.pos = end;
      const type = decoding.readVarUint(decoder);
      return { bytes, address: this.address, room: this.room, type, bodyOffset: decoder.pos };
    } catch {
      // lib0 throws on a truncated varint, TextDecoder on invalid UTF-8.
      return undefined;
    }
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
