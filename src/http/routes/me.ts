import type { Core } from "../../core.ts";
import type { AppEnv } from "../app-env.ts";
import { bearer, createRoute, errors, json, router, z } from "../openapi.ts";

const me = createRoute({
  operationId: "getMe",
  method: "get",
  path: "/",
  tags: ["Users"],
  summary: "Who the token says the caller is, and what this server offers them",
  security: bearer,
  responses: {
    200: json(
      z
        .object({
          user_id: z.string().openapi({ format: "uuid" }),
          name: z.string(),
          user_search: z.boolean().openapi({ description: "Whether owners can find people by name (`share-candidates`)" }),
        })
        .openapi("Me"),
      "The caller",
    ),
    ...errors(401),
  },
});

/** `GET /api/me`. */
export function meRoutes(core: Core) {
  return router<AppEnv>().openapi(me, (c) => {
    const { userId, name } = c.get("identity");
    return c.json({ user_id: userId, name, user_search: core.config.userSearch }, 200);
  });
}
