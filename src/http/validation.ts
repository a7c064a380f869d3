import type { Context, MiddlewareHandler } from "hono";
import { isUuid } from "../rooms/access.ts";
import { ErrorCode, HttpError } from "./errors.ts";
import { parseWellFormedJson } from "../json-protocol/well-formed-json.ts";

/** The largest request body accepted (413 beyond). */
export const MAX_BODY_BYTES = 1024 * 1024;

const tooLarge = () => new HttpError(413, ErrorCode.PayloadTooLarge, `request bodies are limited to ${MAX_BODY_BYTES} bytes`);

/** Refuses a declared Content-Length over the limit before anything is read. */
export function checkDeclaredLength(c: Context): void {
  if (Number(c.req.header("content-length") ?? 0) > MAX_BODY_BYTES) throw tooLarge();
}

/**
 * Reads a request's body with the size limit enforced while streaming, and as strict UTF-8, before
 * the route's validator parses it: the validator then reads this copy (Hono's body cache). Lone UTF-16
 * surrogates in a JSON body become U+FFFD here, as the database and every Yjs copy would hold them.
 */
export const bufferBody: MiddlewareHandler = async (c, next) => {
  if (c.req.raw.body && !c.req.raw.bodyUsed) {
    const text = wellFormedBody(await readText(c));
    // Hono keeps promises in its body cache (its type says values): `c.req.json()` and the others read from it.
    const cache = c.req.bodyCache as Record<string, Promise<unknown>>;
    cache.text = Promise.resolve(text);
    cache.arrayBuffer = Promise.resolve(new TextEncoder().encode(text).buffer);
  }
  await next();
};

/** The JSON text with lone surrogates replaced; a body that is not JSON is left for the validator to refuse. */
function wellFormedBody(text: string): string {
  if (!/\\u[dD][89a-fA-F]/.test(text)) return text;
  try {
    const value = parseWellFormedJson(text);
    return value === undefined ? text : JSON.stringify(value);
  } catch {
    return text;
  }
}

/** A path parameter that must be a UUID. */
export function uuidParam(c: Context, name: string): string {
  const value = c.req.param(name) ?? "";
  if (!isUuid(value)) throw new HttpError(400, ErrorCode.InvalidId, `${name} must be a UUID`);
  return value.toLowerCase();
}

/**
 * The body as UTF-8 text, read with the size limit enforced while streaming: a chunked body declares
 * no length, and must not be buffered whole before it is found too large. (Hono's `bodyLimit` did this
 * by re-wrapping the request in a global `Request`, which fails with 500 on the requests of
 * `@hono/node-server` when global objects are not overridden — every DELETE without a body.)
 */
async function readText(c: Context): Promise<string> {
  const stream = c.req.raw.body;
  if (!stream) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  try {
    return utf8.decode(Buffer.concat(chunks, size));
  } catch {
    throw new HttpError(400, ErrorCode.InvalidJson, "the request body is not valid UTF-8");
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
