/**
 * The REST API's routes are declared once, with zod schemas that both validate requests and generate
 * the OpenAPI 3.1 document served at `/api/openapi.json` (interactive at `/api/docs`), through
 * `@hono/zod-openapi`. `test/http/openapi.test.ts` fails when the app serves a route the document
 * does not describe.
 *
 * How to declare a route (see `routes/diagrams.ts` for many):
 *
 * ```ts
 * const renameDiagram = createRoute({
 *   operationId: "renameDiagram",                   // unique, camelCase: client generators name methods by it
 *   method: "patch",
 *   path: "/{id}",                                   // OpenAPI-style parameters, relative to the mount
 *   tags: ["Diagrams"],
 *   summary: "Rename a diagram",
 *   security: bearer,                                // omit for public routes
 *   request: { params: diagramParams, body: jsonBody(renameBody) },
 *   responses: { 200: json(diagramSchema, "The renamed diagram"), ...errors(400, 401, 403, 404) },
 * });
 * export function myRoutes(core: Core) {
 *   return router().openapi(renameDiagram, async (c) => {
 *     const { id } = c.req.valid("param");            // validated and typed by the schemas above
 *     const { name } = c.req.valid("json");
 *     return c.json(result, 200);                       // status required: it picks the response schema
 *   });
 * }
 * ```
 * and mount it in `app.ts` with `app.route("/api/diagrams", myRoutes(core))`. Refusals are thrown
 * as `HttpError` (`errors.ts`); a request that fails its schemas never reaches the handler and gets
 * `{ error: { code, message } }`: `invalid_id` for a bad path parameter, `validation_failed` for a
 * bad body or query, `invalid_json` for a body that is not JSON, `unsupported_media_type` for a body
 * that is not `application/json`. Non-JSON responses declare their content type
 * (`{ content: { "text/plain": { schema: z.string() } } }`) and return `c.body(...)`.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Env } from "hono";
import { ErrorCode, HttpError } from "./errors.ts";

export { createRoute, z } from "@hono/zod-openapi";

/** Routes that need `Authorization: Bearer <token>`. */
export const bearer = [{ bearer: [] }];

export const errorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "not_found", description: "Machine-readable: see the README's error codes" }),
      message: z.string().openapi({ example: "diagram not found" }),
    }),
  })
  .openapi("Error");

const ERROR_MEANING: Record<number, string> = {
  400: "Invalid input (`invalid_id`, `invalid_json`, `validation_failed`, `bad_request`)",
  401: "Missing, invalid or expired token (`unauthorized`)",
  403: "The caller's role does not allow this (`forbidden`)",
  404: "No such resource, or a feature switched off (`not_found`)",
  409: "Conflicts with the current state (`conflict`)",
  413: "Request body over 1 MiB (`payload_too_large`)",
  415: "The body is not `application/json` (`unsupported_media_type`)",
  503: "A dependency is down",
};

/** Documents the error responses a route can give, each as `{ error: { code, message } }`. */
export function errors<const S extends readonly number[]>(...statuses: S) {
  const responses: Record<number, { description: string; content: { "application/json": { schema: typeof errorSchema } } }> = {};
  for (const status of statuses) {
    responses[status] = { description: ERROR_MEANING[status] ?? "Error", content: { "application/json": { schema: errorSchema } } };
  }
  return responses as { [K in S[number]]: { description: string; content: { "application/json": { schema: typeof errorSchema } } } };
}

/** A JSON response with `schema`. */
export function json<S extends z.ZodType>(schema: S, description: string) {
  return { description, content: { "application/json": { schema } } };
}

/** A required JSON request body validated by `schema`. */
export function jsonBody<S extends z.ZodType>(schema: S) {
  return { required: true, content: { "application/json": { schema } } };
}

/** A path parameter holding a UUID, lowercased (ids are compared as text in several places). */
export const uuid = (description: string) =>
  z
    .guid({ error: "must be a UUID" })
    .transform((s) => s.toLowerCase())
    .openapi({ description, format: "uuid", example: "0b5d3c52-3f4e-4c1e-9a57-9a0e2d8f0c11" });

/** Turns a failed validation into LiveShare's error body instead of zod's. */
function refuseInvalid(result: { success: true } | { success: false; error: z.ZodError; target: string }): void {
  if (result.success) return;
  const issue = result.error.issues[0];
  const field = issue?.path.map(String).join(".") || (result.target === "json" ? "body" : result.target);
  if (result.target === "param") throw new HttpError(400, ErrorCode.InvalidId, `${field} ${issue?.message ?? "is invalid"}`);
  throw new HttpError(400, ErrorCode.ValidationFailed, `${field}: ${issue?.message ?? "invalid"}`);
}

/** A router whose routes are documented and whose validation failures read like every other error. */
export function router<E extends Env>(): OpenAPIHono<E> {
  return new OpenAPIHono<E>({ defaultHook: refuseInvalid });
}
