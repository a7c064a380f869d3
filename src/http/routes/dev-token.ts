import type { Core } from "../../core.ts";
import { devUserId } from "../../auth/tokens.ts";
import { createRoute, errors, json, jsonBody, router, z } from "../openapi.ts";
import { nameSchema } from "../schemas.ts";

const devTokenBody = z.strictObject({ username: nameSchema }).openapi("DevTokenRequest");

const issue = createRoute({
  operationId: "issueDevToken",
  method: "post",
  path: "/token",
  tags: ["Development"],
  summary: "A token for a username — development mode only (no AUTH_SECRET; 404 otherwise)",
  description: "The same username always gets the same user id.",
  request: { body: jsonBody(devTokenBody) },
  responses: {
    200: json(z.object({ token: z.string(), user_id: z.string().openapi({ format: "uuid" }), name: z.string() }), "A bearer token (24 h)"),
    ...errors(400, 404, 413, 415),
  },
});

/** `POST /api/dev/token {username}`: development mode only (no AUTH_SECRET). Same username, same user id. */
export function devTokenRoutes(core: Core) {
  return router().openapi(issue, async (c) => {
    const { username } = c.req.valid("json");
    const identity = { userId: devUserId(username), name: username };
    await core.users.record(identity);
    return c.json({ token: await core.tokens.issue(identity), user_id: identity.userId, name: username }, 200);
  });
}
