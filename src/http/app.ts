import type { OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import type { Core } from "../core.ts";
import type { AppEnv } from "./app-env.ts";
import { TokenRejected } from "../auth/tokens.ts";
import type { RoomControl } from "../rooms/room-control.ts";
import { protocolJsonSchema } from "../json-protocol/json-schema.ts";
import { ErrorCode, HttpError } from "./errors.ts";
import { router } from "./openapi.ts";
import { bufferBody, checkDeclaredLength } from "./validation.ts";
import { devTokenRoutes } from "./routes/dev-token.ts";
import { diagramRoutes } from "./routes/diagrams.ts";
import { docsRoutes } from "./routes/docs.ts";
import { meRoutes } from "./routes/me.ts";
import { sessionRoutes } from "./routes/sessions.ts";
import { operatorRoutes } from "./routes/operator.ts";
import { snapshotRoutes } from "./routes/snapshots.ts";
import { serveEditor } from "./routes/editor.ts";
import { schemaIoRoutes } from "./routes/schema-io.ts";

/**
 * The REST API: JSON in and out, errors as `{ error: { code, message } }` with a fitting status.
 * Every route is declared with its zod schemas (see `openapi.ts`) and so appears in `/api/openapi.json`.
 */
export function createApp(core: Core, control: RoomControl): OpenAPIHono<AppEnv> {
  const log = core.logger("http");
  const app = router<AppEnv>();

  app.onError((error, c) => {
    if (error instanceof HttpError) {
      // A body refused unread (413) leaves bytes on the connection that would be parsed as the next
      // request: close it rather than let a keep-alive client hang on its next call.
      const headers = error.status === 413 ? { connection: "close" } : undefined;
      return c.json({ error: { code: error.code, message: error.message } }, error.status, headers);
    }
    // Hono's validators throw these for a body that is not JSON, or not declared as JSON.
    if (error instanceof HTTPException && error.status === 400) {
      return c.json({ error: { code: ErrorCode.InvalidJson, message: "the request body is not valid JSON" } }, 400);
    }
    if (error instanceof HTTPException && error.status === 415) {
      return c.json({ error: { code: ErrorCode.UnsupportedMediaType, message: "send the body as JSON with content-type: application/json" } }, 415);
    }
    log.error({ err: error, method: c.req.method, path: c.req.path }, "request failed");
    return c.json({ error: { code: ErrorCode.Internal, message: "internal server error" } }, 500);
  });
  app.notFound((c) => c.json({ error: { code: ErrorCode.NotFound, message: `no route for ${c.req.method} ${c.req.path}` } }, 404));

  // Bodies are size-checked here when declared, and while streaming when read (see `bufferBody`).
  // A change of access is answered once every instance has applied it (`RoomControl.delivered`).
  app.use("/api/*", async (c, next) => {
    checkDeclaredLength(c);
    await next();
    await control.delivered();
  });

  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "An access token: minted by the main application with AUTH_SECRET, or by POST /api/dev/token in development mode",
  });
  let openapi: Record<string, unknown> | undefined;
  let protocol: Record<string, unknown> | undefined;
  app.route(
    "/api",
    docsRoutes({
      // Generated on first request, when every route below is registered.
      openapi: () =>
        (openapi ??= app.getOpenAPI31Document({
          openapi: "3.1.0",
          info: {
            title: "LiveShare",
            version: "1",
            description:
              "REST API of LiveShare, the real-time collaboration server for database-schema diagrams. Errors are `{ error: { code, message } }`. " +
              "The JSON WebSocket protocol is described by /api/protocol.schema.json; Yjs clients use /collab.",
          },
          tags: [
            { name: "Diagrams", description: "Your diagrams: list, create, rename, delete, read as JSON" },
            { name: "Sharing", description: "Shares with people, finding people by name, the link (see `link_access` on PATCH /api/diagrams/{id})" },
            { name: "Sessions", description: "Live rooms: Yjs clients join ws://HOST/collab with the room id, JSON clients /api/liveshare/ws" },
            { name: "Snapshots", description: "A session's history, and restoring it" },
            { name: "Import, export and diff", description: "SQL DDL and DBML into a live diagram, the diagram out as DDL, DBML or JSON, and the changes between two versions" },
            { name: "Users", description: "The caller" },
            { name: "Development", description: "Development mode only (no AUTH_SECRET)" },
            { name: "Operations", description: "Health, readiness, metrics: no token" },
            { name: "Documentation", description: "This document, the JSON protocol's schema, these docs" },
          ],
        }) as unknown as Record<string, unknown>),
      protocol: () => (protocol ??= protocolJsonSchema()),
    }),
  );
  app.route("/", operatorRoutes(core));
  // The editor's pages and assets (GET `/`, `/editor/{id}`, `/assets/*`); everything else passes by.
  app.use("*", serveEditor());
  if (!core.config.authSecret) app.use("/api/dev/*", bufferBody).route("/api/dev", devTokenRoutes(core));
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
  // Bodies are read only from callers with a valid token.
  app.use("/api/*", bufferBody);
  app.route("/api/me", meRoutes(core));
  app.route("/api/diagrams", diagramRoutes(core, control));
  app.route("/api/diagrams", schemaIoRoutes(core));
  app.route("/api/liveshare/sessions", sessionRoutes(core, control));
  app.route("/api/liveshare/sessions", snapshotRoutes(core));
  return app;
}
