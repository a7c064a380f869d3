/**
 * JSON from clients with every lone UTF-16 surrogate replaced by U+FFFD. `JSON.parse` turns an escape
 * such as `"\ud800"` into a string no UTF-8 encoding can hold: kept as is, the server's document
 * would hold it while every copy that went through UTF-8 (Yjs updates, peers, the database) holds
 * U+FFFD, and REST/JSON and Yjs would disagree until the room reloads. Normalised here, at the
 * edges (the JSON protocol and REST bodies), everyone holds U+FFFD from the start.
 *
 * A lone surrogate can only come from such an escape (WebSocket text frames and request bodies are
 * UTF-8), so text without one is parsed as it is, at no extra cost.
 */

const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F][0-9a-fA-F]{2}/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `JSON.parse`, then lone surrogates in strings and keys replaced by U+FFFD. Throws what `JSON.parse` throws. */
export function parseWellFormedJson(text: string): unknown {
  const value: unknown = JSON.parse(text);
  return SURROGATE_ESCAPE.test(text) ? wellFormed(value) : value;
}

/** The string with each lone surrogate replaced by U+FFFD (as a UTF-8 round trip would). */
export function wellFormedString(text: string): string {
  return text.replace(LONE_SURROGATE, "\uFFFD");
}

function wellFormed(value: unknown): unknown {
  if (typeof value === "string") return wellFormedString(value);
  if (Array.isArray(value)) return value.map(wellFormed);
  if (typeof value === "object" && value !== null) {
    // Object.fromEntries defines keys as JSON.parse does: `__proto__` stays a plain own key.
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [wellFormedString(key), wellFormed(item)]));
  }
  return value;
}
