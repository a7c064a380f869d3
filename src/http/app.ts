import { Hono } from "hono";
import type { Core } from "../core.ts";
import type { Identity } from "../auth/tokens.ts";
import { TokenRejected } from "../auth/tokens.ts";
import type { RoomControl } from "../rooms/room-control.ts";
import { ErrorCode, HttpError } from "./errors.ts";
import { checkDeclaredLength } from "./validation.ts";
import { devTokenRoutes } from "./routes/dev-token.ts";
import { diagramRoutes } from "./routes/diagrams.ts";
import { sessionRoutes } from "./routes/sessions.ts";
import { operatorRoutes } from "./routes/operator.ts";
import { snapshotRoutes } from "./routes/snapshots.ts";
import { serveEditor } from "./routes/editor.ts";

export interface AppEnv {
  Variables: { identity: Identity };
}

/** The REST API: JSON in and out, errors as `{ error: { code, message } }` with a fitting status. */
export function createApp(core: Core, control: RoomControl): Hono<AppEnv> {
  const log = core.logger("http");
  const app = new Hono<AppEnv>();

  app.onError((error, c) => {
    if (error instanceof HttpError) {
      // A body refused unread (413) leaves bytes on the connection that would be parsed as the next
      // request: close it rather than let a keep-alive client hang on its next call.
      const headers = error.status === 413 ? { connection: "close" } : undefined;
      return c.json({ error: { code: error.code, message: error.message } }, error.status, headers);
    }
    log.error({ err: error, method: c.req.method, path: c.req.path }, "request failed");
    return c.json({ error: { code: ErrorCode.Internal, message: "internal server error" } }, 500);
  });
  app.notFound((c) => c.json({ error: { code: ErrorCode.NotFound, message: `no route for ${c.req.method} ${c.req.path}` } }, 404));

  // Bodies are size-checked here when declared, and while streaming when read (see `body()`).
  app.use("/api/*", async (c, next) => {
    checkDeclaredLength(c);
    await next();
  });

  app.route("/", operatorRoutes(core));
  // The editor's pages and assets (GET `/`, `/editor/{id}`, `/assets/*`); everything else passes by.
  app.use("*", serveEditor());
  if (!core.config.authSecret) app.route("/api/dev", devTokenRoutes(core));
  // With a secret the dev-token route does not exist: 404 like any unknown route, not the 401 the
  // token check below would give it.
  else app.all("/api/dev/*", (c) => c.json({ error: { code: ErrorCode.NotFound, message: `no route for ${c.req.method} ${c.req.path}` } }, 404));

  // Every other /api route needs a bearer token.
  app.use("/api/*", async (c, next) => {
    const header = c.req.header("authorization");
    const token = header?.match(/^Bearer\s+(\S+)$/i)?.[1];
    try {
      c.set("identity", await core.tokens.verify(token));
    } catch (error) {
      if (error instanceof TokenRejected) throw new HttpError(401, ErrorCode.Unauthorized, error.reason);
      throw error;
    }
    await core.users.record(c.get("identity"));
    await next();
  });
  app.route("/api/diagrams", diagramRoutes(core, control));
  app.route("/api/liveshare/sessions", sessionRoutes(core, control));
  app.route("/api/liveshare/sessions", snapshotRoutes(core));
  return app;
}
