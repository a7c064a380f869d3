import type { Context } from "hono";
import { z } from "zod";
import { isUuid } from "../rooms/access.ts";
import { ErrorCode, HttpError } from "./errors.ts";

/** The request body parsed as JSON and validated; 400 with a message naming the field otherwise. */
export async function body<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  let raw: unknown;
  try {
    raw = await c.req.json();
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

export const nameSchema = z.string().trim().min(1).max(255);
