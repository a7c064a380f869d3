import type { Core } from "../../core.ts";
import { canEdit } from "../../rooms/access.ts";
import type { RoomControl } from "../../rooms/room-control.ts";
import type { Session } from "../../storage/sessions.ts";
import type { AppEnv } from "../app-env.ts";
import { ErrorCode, HttpError, forbidden, notFound } from "../errors.ts";
import { bearer, createRoute, errors, json, jsonBody, router, z } from "../openapi.ts";
import { presentUserSchema, roleSchema, sessionSchema, uuid } from "../schemas.ts";
import { sessionWithRole } from "../session-access.ts";

const tags = ["Sessions"];
const createBody = z.strictObject({ diagram_id: z.uuid() }).openapi("StartSession");
const roomParams = z.object({ room_id: uuid("The session's room id") });

/** The public form of a session (room). */
export function sessionJson(session: Session) {
  return {
    room_id: session.id,
    diagram_id: session.diagram_id,
    owner_id: session.owner_id,
    created_at: session.created_at,
    ended_at: session.ended_at,
    active: session.ended_at === null,
    share_link: `/editor/${session.diagram_id}?room=${session.id}`,
  };
}

const start = createRoute({
  operationId: "startSession",
  method: "post",
  path: "/",
  tags,
  summary: "Start a live session on a diagram, or get the active one (owner or editor)",
  security: bearer,
  request: { body: jsonBody(createBody) },
  responses: {
    200: json(sessionSchema.extend({ created: z.literal(false) }), "The diagram's active session"),
    201: json(sessionSchema.extend({ created: z.literal(true) }), "A new session"),
    ...errors(400, 401, 403, 404, 413, 415),
  },
});
const get = createRoute({
  operationId: "getSession",
  method: "get",
  path: "/{room_id}",
  tags,
  summary: "A session: who is present, counts",
  security: bearer,
  request: { params: roomParams },
  responses: {
    200: json(
      sessionSchema.extend({
        role: roleSchema,
        message_count: z.number().int(),
        last_message_at: z.string().nullable(),
        users: z.array(presentUserSchema),
        user_count: z.number().int(),
        connection_count: z.number().int(),
      }),
      "The session",
    ),
    ...errors(400, 401, 403, 404),
  },
});
const end = createRoute({
  operationId: "endSession",
  method: "delete",
  path: "/{room_id}",
  tags,
  summary: "End a session (owner); everyone in it is disconnected",
  security: bearer,
  request: { params: roomParams },
  responses: { 204: { description: "Ended" }, ...errors(400, 401, 403, 404, 409) },
});

/** LiveShare sessions: start (or get the active one), look at who is there, end. */
export function sessionRoutes(core: Core, control: RoomControl) {
  const load = (roomId: string, userId: string) => sessionWithRole(core, roomId, userId);

  return router<AppEnv>()
    .openapi(start, async (c) => {
      const { diagram_id } = c.req.valid("json");
      const userId = c.get("identity").userId;
      if (!(await core.diagrams.get(diagram_id))) throw notFound("diagram");
      const role = await core.diagrams.roleOf(diagram_id, userId);
      if (!role) throw forbidden("no access to this diagram");
      if (!canEdit(role)) throw forbidden("only the owner and editors can start a session");
      const { session, created } = await core.sessions.startOrGet(diagram_id, userId);
      if (created) {
        core.logger("http").info({ roomId: session.id, diagramId: diagram_id, userId }, "session started");
        return c.json({ ...sessionJson(session), created: true as const }, 201);
      }
      return c.json({ ...sessionJson(session), created: false as const }, 200);
    })
    .openapi(get, async (c) => {
      const { room_id: roomId } = c.req.valid("param");
      const { session, role } = await load(roomId, c.get("identity").userId);
      const users = core.rooms.usersPresent(roomId);
      return c.json(
        {
          ...sessionJson(session),
          role,
          message_count: session.message_count,
          last_message_at: session.last_message_at,
          users,
          user_count: users.length,
          connection_count: users.reduce((sum, u) => sum + u.connections, 0),
        },
        200,
      );
    })
    .openapi(end, async (c) => {
      const { room_id: roomId } = c.req.valid("param");
      const { session, role } = await load(roomId, c.get("identity").userId);
      if (role !== "owner") throw forbidden("only the owner can end a session");
      if (session.ended_at !== null || !(await core.sessions.end(roomId))) {
        throw new HttpError(409, ErrorCode.Conflict, "the session has already ended");
      }
      control.emit({ type: "session-ended", roomId });
      core.logger("http").info({ roomId, diagramId: session.diagram_id }, "session ended");
      return c.body(null, 204);
    });
}
