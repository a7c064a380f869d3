import type { Context } from "hono";
import { z } from "zod";
import { isUuid } from "../rooms/access.ts";
import { ErrorCode, HttpError } from "./errors.ts";
import { parseWellFormedJson } from "../protocol/well-formed-json.ts";

/** The largest request body accepted (413 beyond). */
export const MAX_BODY_BYTES = 1024 * 1024;

const tooLarge = () => new HttpError(413, ErrorCode.PayloadTooLarge, `request bodies are limited to ${MAX_BODY_BYTES} bytes`);

/** Refuses a declared Content-Length over the limit before anything is read. */
export function checkDeclaredLength(c: Context): void {
  if (Number(c.req.header("content-length") ?? 0) > MAX_BODY_BYTES) throw tooLarge();
}

/** The request body parsed as JSON and validated; 400 with a message naming the field otherwise. */
export async function body<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  const text = await readText(c);
  let raw: unknown;
  try {
    // Lone UTF-16 surrogates become U+FFFD, as the database and every Yjs copy would hold them.
    raw = parseWellFormedJson(text);
  } catch {
    throw new HttpError(400, ErrorCode.InvalidJson, "the request body is not valid JSON");
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join(".") || "body";
    throw new HttpError(400, ErrorCode.ValidationFailed, `${field}: ${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}

/** A path parameter that must be a UUID. */
export function uuidParam(c: Context, name: string): string {
  const value = c.req.param(name) ?? "";
  if (!isUuid(value)) throw new HttpError(400, ErrorCode.InvalidId, `${name} must be a UUID`);
  return value.toLowerCase();
}

/** A display name: PostgreSQL text cannot hold NUL, so it is refused here rather than failing there (500). */
export const nameSchema = z
  .string()
  .trim()
  .min(1)
  .max(255)
  .refine((s) => !s.includes("\0"), "must not contain NUL characters");

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
