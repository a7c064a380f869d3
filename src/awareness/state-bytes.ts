/**
 * The cursor shortcut of state-text.ts, on a frame's bytes. A provider's cursor move is one awareness
 * entry whose JSON is its previous text with only the cursor value changed — `{"x":12,"y":34}`, as
 * `JSON.stringify` writes it. Compared in place against the bytes around the previous cursor value,
 * and with the two numbers read from their digits, such a frame costs no UTF-8 decoding, no string,
 * no `JSON.parse` and no schema. Anything else is left to the text path, which gives the same answer
 * for everything read here: this reader only narrows what is read, never what is accepted.
 */
import { MAX_COORDINATE, type Point } from "./state.ts";
import { BRACE_CLOSE, COMMA, type CursorContext } from "./state-text.ts";

/**
 * The cursor of `bytes[start, end)` — one state's JSON text — when it is `context`'s text with only
 * the cursor value changed, and that value is one `readCursorBytes` reads; otherwise undefined (the
 * caller decodes and parses the text). The bytes around the cursor being `context`'s, which came from
 * strict UTF-8, the whole text is valid UTF-8 whenever this answers.
 */
export function cursorBytesIn(context: CursorContext, bytes: Uint8Array, start: number, end: number): Point | null | undefined {
  const { prefixBytes: prefix, suffixBytes: suffix } = context;
  if (end - start < prefix.length + suffix.length) return undefined;
  for (let i = 0; i < prefix.length; i++) if (bytes[start + i] !== prefix[i]) return undefined;
  const suffixStart = end - suffix.length;
  for (let i = 0; i < suffix.length; i++) if (bytes[suffixStart + i] !== suffix[i]) return undefined;
  return readCursorBytes(bytes, start + prefix.length, suffixStart);
}

const X_KEY = asciiBytes('{"x":');
const Y_KEY = asciiBytes(',"y":');
const NULL = asciiBytes("null");
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

/**
 * A cursor value written as `JSON.stringify` writes one, read from `bytes[start, end)`: `null`, or
 * exactly `{"x":<number>,"y":<number>}` (these keys, in this order, no whitespace) whose numbers
 * `readJsonNumber` reads and which are valid coordinates. Undefined for anything else — also for a
 * valid cursor written otherwise, and for a number out of bounds, which the schema then rejects.
 */
export function readCursorBytes(bytes: Uint8Array, start: number, end: number): Point | null | undefined {
  if (end - start === NULL.length && startsWith(bytes, start, end, NULL)) return null;
  if (!startsWith(bytes, start, end, X_KEY) || end - start < X_KEY.length + Y_KEY.length + 3 || bytes[end - 1] !== BRACE_CLOSE) return undefined;
  // A number has no comma in it: the first one after the x key ends x.
  const xStart = start + X_KEY.length;
  let comma = xStart;
  while (comma < end && bytes[comma] !== COMMA) comma += 1;
  if (!startsWith(bytes, comma, end, Y_KEY)) return undefined;
  const x = readJsonNumber(bytes, xStart, comma);
  const y = readJsonNumber(bytes, comma + Y_KEY.length, end - 1);
  // NaN (not read) fails both comparisons.
  if (!(x >= -MAX_COORDINATE && x <= MAX_COORDINATE && y >= -MAX_COORDINATE && y <= MAX_COORDINATE)) return undefined;
  return { x, y };
}

/** 10^0 … 10^22: every power of ten a double holds exactly. */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

/**
 * The JSON number that is exactly `bytes[start, end)`, or NaN when it is not read here: not a JSON
 * number (`01`, `1.`, `.5`, `+1`, `-`), one with an exponent, or one whose digits, the point left
 * out, make an integer above 2^53 - 1 or that has more than 22 digits after the point.
 *
 * Those limits make the answer `JSON.parse`'s to the bit: the digits are then an exact integer m and
 * 10^k is exact, so m / 10^k is one correctly rounded division — the nearest double to the decimal,
 * which is what `JSON.parse` gives. `-0` is -0, as `JSON.parse` gives it.
 */
export function readJsonNumber(bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  const negative = i < end && bytes[i] === MINUS;
  if (negative) i += 1;
  if (i >= end) return Number.NaN;
  // All digits, the point left out. While the true value stays within 2^53 every step is exact; once
  // it passes, the computed value passes too (rounding keeps order), and is refused below.
  let digits = 0;
  if (bytes[i] === ZERO) {
    // A leading zero stands alone.
    i += 1;
  } else {
    const first = i;
    for (; i < end && bytes[i]! >= ZERO && bytes[i]! <= NINE; i++) digits = digits * 10 + (bytes[i]! - ZERO);
    if (i === first) return Number.NaN;
  }
  let fractionDigits = 0;
  if (i < end && bytes[i] === DOT) {
    i += 1;
    const first = i;
    for (; i < end && bytes[i]! >= ZERO && bytes[i]! <= NINE; i++) digits = digits * 10 + (bytes[i]! - ZERO);
    fractionDigits = i - first;
    if (fractionDigits === 0) return Number.NaN;
  }
  // An exponent, or anything else after the number.
  if (i !== end) return Number.NaN;
  if (digits > Number.MAX_SAFE_INTEGER || fractionDigits >= POWERS_OF_TEN.length) return Number.NaN;
  const magnitude = fractionDigits === 0 ? digits : digits / POWERS_OF_TEN[fractionDigits]!;
  return negative ? -magnitude : magnitude;
}

function startsWith(bytes: Uint8Array, at: number, end: number, expected: Uint8Array): boolean {
  if (end - at < expected.length) return false;
  for (let i = 0; i < expected.length; i++) if (bytes[at + i] !== expected[i]) return false;
  return true;
}

function asciiBytes(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}
