import { Hono } from "hono";
import { z } from "zod";
import type { Core } from "../../core.ts";
import { devUserId } from "../../auth/tokens.ts";
import { body, nameSchema } from "../validation.ts";

const devTokenBody = z.strictObject({ username: nameSchema });

/** `POST /api/dev/token {username}`: development mode only (no AUTH_SECRET). Same username, same user id. */
export function devTokenRoutes(core: Core) {
  return new Hono().post("/token", async (c) => {
    const { username } = await body(c, devTokenBody);
    const identity = { userId: devUserId(username), name: username };
    await core.users.record(identity);
    return c.json({ token: await core.tokens.issue(identity), user_id: identity.userId, name: username });
  });
}
