/**
 * Reading a client's presence JSON without parsing all of it. A provider re-sends its whole state
 * (`JSON.stringify` of the same object, keys in the same order) for every cursor move — 30 times a
 * second — and all that changes is the text of the top-level `cursor` value. Given the previous text
 * around its cursor value, a new text that differs only inside that value is the previous
 * state with a new cursor: only the cursor's few bytes need parsing. The answer is exactly what
 * parsing the whole text would give, because replacing one complete JSON value of a valid document by
 * another complete JSON value leaves a valid document that differs in that value alone.
 */

/** Where a JSON value sits in a text: [start, end). */
export type TextRange = readonly [start: number, end: number];

/**
 * The range of the value of the top-level `"cursor"` key of an object's JSON text (the last one, as
 * `JSON.parse` keeps the last of duplicate keys), or undefined — also when a key is written with an
 * escape (it might spell "cursor") or the text is not a plain object. Linear, no allocation.
 */
export function cursorValueRange(text: string): TextRange | undefined {
  let i = skipSpace(text, 0);
  if (text.charCodeAt(i) !== BRACE_OPEN) return undefined;
  let found: TextRange | undefined;
  i += 1;
  for (;;) {
    i = skipSpace(text, i);
    if (text.charCodeAt(i) === BRACE_CLOSE) return found;
    // A key.
    if (text.charCodeAt(i) !== QUOTE) return undefined;
    const keyEnd = stringEnd(text, i);
    if (keyEnd < 0) return undefined;
    for (let j = i + 1; j < keyEnd - 1; j++) if (text.charCodeAt(j) === BACKSLASH) return undefined;
    const isCursor = keyEnd - i === 8 && text.startsWith('"cursor"', i);
    i = skipSpace(text, keyEnd);
    if (text.charCodeAt(i) !== COLON) return undefined;
    const valueStart = skipSpace(text, i + 1);
    const valueEnd = valueEndAt(text, valueStart);
    if (valueEnd < 0) return undefined;
    if (isCursor) found = [valueStart, valueEnd];
    i = skipSpace(text, valueEnd);
    const c = text.charCodeAt(i);
    if (c === COMMA) i += 1;
    else if (c !== BRACE_CLOSE) return undefined;
  }
}

/**
 * A state's text around its top-level cursor value: what must stay unchanged for the shortcut. Kept
 * twice: as strings for `cursorTextIn`, and as UTF-8 bytes for `cursorBytesIn` (state-bytes.ts), which
 * reads a frame's next text where it lies, before any decoding.
 */
export interface CursorContext {
  prefix: string;
  suffix: string;
  prefixBytes: Uint8Array;
  suffixBytes: Uint8Array;
}

const utf8 = new TextEncoder();

/** The text around `text`'s top-level cursor value, or undefined when `cursorValueRange` finds none. */
export function cursorContextOf(text: string): CursorContext | undefined {
  const range = cursorValueRange(text);
  if (!range) return undefined;
  const prefix = text.slice(0, range[0]);
  const suffix = text.slice(range[1]);
  // The bytes the text came in: a text decoded from strict UTF-8 encodes back to the same bytes, and
  // each cut lies next to an ASCII character (the ":" or space before the value, the delimiter after
  // it), so no character is split.
  return { prefix, suffix, prefixBytes: utf8.encode(prefix), suffixBytes: utf8.encode(suffix) };
}

/**
 * When `next` is the text of `context` with only its cursor value changed: that value's text
 * (which the caller parses on its own: it must be one complete JSON value for the shortcut to hold);
 * otherwise undefined. Two native comparisons, no scan.
 */
export function cursorTextIn(context: CursorContext, next: string): string | undefined {
  const { prefix, suffix } = context;
  if (next.length < prefix.length + suffix.length || !next.startsWith(prefix) || !next.endsWith(suffix)) return undefined;
  return next.slice(prefix.length, next.length - suffix.length);
}

const BRACE_OPEN = 0x7b;
export const BRACE_CLOSE = 0x7d;
const BRACKET_OPEN = 0x5b;
const BRACKET_CLOSE = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
export const COMMA = 0x2c;

function skipSpace(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return i;
    i += 1;
  }
}

/** Index just past the string starting at `i` (a quote), or -1. */
function stringEnd(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === BACKSLASH) j += 1;
    else if (c === QUOTE) return j + 1;
  }
  return -1;
}

/**
 * Index just past the JSON value starting at `i`, or -1. Strings and brackets are matched; scalars
 * run to the next delimiter (the value's validity is `JSON.parse`'s business, not this scan's).
 */
function valueEndAt(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === QUOTE) return stringEnd(text, i);
  if (c === BRACE_OPEN || c === BRACKET_OPEN) {
    let depth = 0;
    for (let j = i; j < text.length; j++) {
      const d = text.charCodeAt(j);
      if (d === QUOTE) {
        j = stringEnd(text, j) - 1;
        if (j < 0) return -1;
      } else if (d === BRACE_OPEN || d === BRACKET_OPEN) depth += 1;
      else if (d === BRACE_CLOSE || d === BRACKET_CLOSE) {
        depth -= 1;
        if (depth === 0) return j + 1;
      }
    }
    return -1;
  }
  let j = i;
  while (j < text.length) {
    const d = text.charCodeAt(j);
    if (d === COMMA || d === BRACE_CLOSE || d === BRACKET_CLOSE || d === 0x20 || d === 0x09 || d === 0x0a || d === 0x0d) break;
    j += 1;
  }
  return j > i ? j : -1;
}
