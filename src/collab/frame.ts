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
  /**
   * The address names a room by its id (a lowercase UUID), optionally followed by `\0` and a
   * session id of letters, digits, `-` and `_`: nothing else is a document a client may open, and
   * nothing else reaches Hocuspocus (which would print a client-chosen name, newlines and all).
   */
  roomIsId: boolean;
  type: number;
  /** Offset of the first byte after the type. */
  bodyOffset: number;
}

/** Strict UTF-8, as lib0 decodes strings: a frame with invalid UTF-8 in its address is malformed. */
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

const ROOM_ADDRESS = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?:\u0000[A-Za-z0-9_-]{1,64})?$/;

/**
 * Reads frame headers of one socket. A client sends nearly every frame to the same document, so the
 * last address's bytes are kept and a frame starting with the same bytes reuses its string: no UTF-8
 * decoding and no new string for 30 cursor frames a second.
 */
export class FrameHeaderReader {
  private addressBytes: Uint8Array | undefined;
  private address = "";
  private room = "";
  private roomIsId = false;
  /** Where the last `varUint` ended. */
  private position = 0;
  private readonly header: FrameHeader = { bytes: new Uint8Array(0), address: "", room: "", roomIsId: false, type: 0, bodyOffset: 0 };

  /**
   * The frame's header, or undefined when the frame is too short or its address is not UTF-8. The
   * header object is this reader's and is overwritten by the next frame: stages use it synchronously.
   */
  read(bytes: Uint8Array): FrameHeader | undefined {
    const length = this.varUint(bytes, 0);
    if (length < 0) return undefined;
    const start = this.position;
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
    const type = this.varUint(bytes, end);
    if (type < 0) return undefined;
    const header = this.header;
    header.bytes = bytes;
    header.address = this.address;
    header.room = this.room;
    header.roomIsId = this.roomIsId;
    header.type = type;
    header.bodyOffset = this.position;
    return header;
  }

  /** A lib0 varUint at `offset` (7 bits a byte, low first) and `position` after it; -1 when cut short or over 2^53. */
  private varUint(bytes: Uint8Array, offset: number): number {
    let value = 0;
    let multiplier = 1;
    for (let i = offset; i < bytes.length; i++) {
      const byte = bytes[i]!;
      value += (byte & 0x7f) * multiplier;
      if (byte < 0x80) {
        this.position = i + 1;
        return value;
      }
      multiplier *= 128;
      if (value > Number.MAX_SAFE_INTEGER) return -1;
    }
    return -1;
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
