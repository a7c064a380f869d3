import { Hono } from "hono";
import { z } from "zod";
import type { Core } from "../../core.ts";
import { canEdit } from "../../rooms/access.ts";
import type { RoomControl } from "../../rooms/room-control.ts";
import type { Session } from "../../storage/sessions.ts";
import type { AppEnv } from "../app.ts";
import { ErrorCode, HttpError, forbidden, notFound } from "../errors.ts";
import { sessionWithRole } from "../session-access.ts";
import { body, uuidParam } from "../validation.ts";

const createBody = z.strictObject({ diagram_id: z.uuid() });

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

/** LiveShare sessions: start (or get the active one), look at who is there, end. */
export function sessionRoutes(core: Core, control: RoomControl) {
  const load = (roomId: string, userId: string) => sessionWithRole(core, roomId, userId);

  return new Hono<AppEnv>()
    .post("/", async (c) => {
      const { diagram_id } = await body(c, createBody);
      const userId = c.get("identity").userId;
      if (!(await core.diagrams.get(diagram_id))) throw notFound("diagram");
      const role = await core.diagrams.roleOf(diagram_id, userId);
      if (!role) throw forbidden("no access to this diagram");
      if (!canEdit(role)) throw forbidden("only the owner and editors can start a session");
      const { session, created } = await core.sessions.startOrGet(diagram_id, userId);
      if (created) core.logger("http").info({ roomId: session.id, diagramId: diagram_id, userId }, "session started");
      return c.json({ ...sessionJson(session), created }, created ? 201 : 200);
    })
    .get("/:room_id", async (c) => {
      const roomId = uuidParam(c, "room_id");
      const { session, role } = await load(roomId, c.get("identity").userId);
      const users = core.rooms.usersPresent(roomId);
      return c.json({
        ...sessionJson(session),
        role,
        message_count: session.message_count,
        last_message_at: session.last_message_at,
        users,
        user_count: users.length,
        connection_count: users.reduce((sum, u) => sum + u.connections, 0),
      });
    })
    .delete("/:room_id", async (c) => {
      const roomId = uuidParam(c, "room_id");
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
