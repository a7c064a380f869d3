import { Hono } from "hono";
import { z } from "zod";
import type { Core } from "../../core.ts";
import type { RoomControl } from "../../rooms/room-control.ts";
import { readDiagramSchema } from "../../rooms/read-schema.ts";
import type { Role } from "../../storage/diagrams.ts";
import type { AppEnv } from "../app.ts";
import { forbidden, notFound } from "../errors.ts";
import { body, nameSchema, uuidParam } from "../validation.ts";

const createBody = z.strictObject({ name: nameSchema });
const shareBody = z.strictObject({ permission: z.enum(["view", "edit"]) });

/** Diagrams, their shares and their schema as JSON. */
export function diagramRoutes(core: Core, control: RoomControl) {
  /** The caller's role on the diagram: 404 when it does not exist, 403 when the caller has none. */
  const requireRole = async (diagramId: string, userId: string, allowed: readonly Role[]): Promise<Role> => {
    if (!(await core.diagrams.get(diagramId))) throw notFound("diagram");
    const role = await core.diagrams.roleOf(diagramId, userId);
    if (!role) throw forbidden("no access to this diagram");
    if (!allowed.includes(role)) throw forbidden(`this needs one of: ${allowed.join(", ")}`);
    return role;
  };
  const anyRole = ["owner", "editor", "viewer"] as const;

  return new Hono<AppEnv>()
    .post("/", async (c) => {
      const { name } = await body(c, createBody);
      const diagram = await core.diagrams.create(name, c.get("identity").userId);
      return c.json({ ...diagram, role: "owner" }, 201);
    })
    .get("/:id", async (c) => {
      const id = uuidParam(c, "id");
      const role = await requireRole(id, c.get("identity").userId, anyRole);
      const diagram = await core.diagrams.get(id);
      const session = await core.sessions.activeFor(id);
      return c.json({ ...diagram, role, active_room_id: session?.id ?? null });
    })
    .delete("/:id", async (c) => {
      const id = uuidParam(c, "id");
      await requireRole(id, c.get("identity").userId, ["owner"]);
      const active = await core.sessions.activeFor(id);
      await core.diagrams.delete(id);
      core.access.forgetDiagram(id);
      control.emit({ type: "diagram-deleted", diagramId: id, roomIds: active ? [active.id] : [] });
      core.logger("http").info({ diagramId: id }, "diagram deleted");
      return c.body(null, 204);
    })
    .get("/:id/schema", async (c) => {
      const id = uuidParam(c, "id");
      await requireRole(id, c.get("identity").userId, anyRole);
      return c.json(await readDiagramSchema(core, id));
    })
    .get("/:id/shares", async (c) => {
      const id = uuidParam(c, "id");
      await requireRole(id, c.get("identity").userId, ["owner"]);
      return c.json({ shares: await core.diagrams.shares(id) });
    })
    .put("/:id/shares/:userId", async (c) => {
      const id = uuidParam(c, "id");
      const userId = uuidParam(c, "userId");
      const { permission } = await body(c, shareBody);
      await requireRole(id, c.get("identity").userId, ["owner"]);
      const diagram = await core.diagrams.get(id);
      if (diagram?.owner_id === userId) throw forbidden("the owner's access cannot be changed");
      const share = await core.diagrams.share(id, userId, permission);
      control.emit({ type: "access-changed", diagramId: id, userId, role: permission === "edit" ? "editor" : "viewer" });
      return c.json({ diagram_id: id, ...share });
    })
    .delete("/:id/shares/:userId", async (c) => {
      const id = uuidParam(c, "id");
      const userId = uuidParam(c, "userId");
      await requireRole(id, c.get("identity").userId, ["owner"]);
      if (!(await core.diagrams.unshare(id, userId))) throw notFound("share");
      control.emit({ type: "access-changed", diagramId: id, userId, role: null });
      return c.body(null, 204);
    });
}
