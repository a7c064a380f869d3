import type { Core } from "../../core.ts";
import { OriginKind } from "../../origins.ts";
import type { RoomControl } from "../../rooms/room-control.ts";
import { readDiagramSchema } from "../../rooms/read-schema.ts";
import { editDiagramDocument } from "../../rooms/server-edit.ts";
import { metaOf } from "../../schema-doc/index.ts";
import { roleFrom, type Diagram, type Role } from "../../storage/diagrams.ts";
import type { AppEnv } from "../app-env.ts";
import { ErrorCode, HttpError, forbidden, notFound } from "../errors.ts";
import { bearer, createRoute, errors, json, jsonBody, router, z } from "../openapi.ts";
import {
  diagramSchema,
  diagramSchemaJson,
  linkAccessSchema,
  listedDiagramSchema,
  nameSchema,
  permissionSchema,
  shareSchema,
  userSchema,
  uuid,
} from "../schemas.ts";

const tags = ["Diagrams"];
const diagramParams = z.object({ id: uuid("The diagram's id") });
const shareParams = z.object({ id: uuid("The diagram's id"), userId: uuid("The user's id (as in their token's `sub`)") });

const createBody = z.strictObject({ name: nameSchema }).openapi("CreateDiagram");
const patchBody = z
  .strictObject({
    name: nameSchema.optional().openapi({ description: "Owner or editor; the document's `meta.name` follows" }),
    link_access: linkAccessSchema.optional().openapi({ description: "Owner only; takes effect at once on live connections" }),
  })
  .refine((b) => b.name !== undefined || b.link_access !== undefined, "give name, link_access or both")
  .openapi("UpdateDiagram");
const shareBody = z.strictObject({ permission: permissionSchema }).openapi("PutShare");

/** Diagram list pagination: newest change first, `limit` per page, `cursor` from the previous page's `next_cursor`. */
const MAX_PAGE = 100;
const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(50).openapi({ description: `Diagrams per page (1–${MAX_PAGE})` }),
  cursor: z.string().max(200).optional().openapi({ description: "`next_cursor` of the previous page" }),
});

/** The share dialog's search: at least this many characters, at most this many results. */
export const USER_SEARCH = { minPrefix: 2, maxPrefix: 64, defaultLimit: 10, maxLimit: 20 } as const;
const searchQuery = z.object({
  q: z
    .string()
    .trim()
    .min(USER_SEARCH.minPrefix)
    .max(USER_SEARCH.maxPrefix)
    .refine((s) => !s.includes("\0"), "must not contain NUL characters")
    .openapi({ description: `Name prefix, case-insensitive (${USER_SEARCH.minPrefix}–${USER_SEARCH.maxPrefix} characters)` }),
  limit: z.coerce.number().int().min(1).max(USER_SEARCH.maxLimit).default(USER_SEARCH.defaultLimit),
});

const list = createRoute({
  operationId: "listDiagrams",
  method: "get",
  path: "/",
  tags,
  summary: "The caller's diagrams",
  description:
    "Owned, shared with the caller, and opened through a link that still gives access, most recently changed first. " +
    "Paginated: pass the answer's `next_cursor` as `cursor` for the next page (`null` on the last page).",
  security: bearer,
  request: { query: listQuery },
  responses: {
    200: json(z.object({ diagrams: z.array(listedDiagramSchema), next_cursor: z.string().nullable() }), "One page of diagrams"),
    ...errors(400, 401),
  },
});
const create = createRoute({
  operationId: "createDiagram",
  method: "post",
  path: "/",
  tags,
  summary: "Create a diagram (the caller owns it)",
  security: bearer,
  request: { body: jsonBody(createBody) },
  responses: { 201: json(diagramSchema, "The new diagram"), ...errors(400, 401, 413, 415) },
});
const get = createRoute({
  operationId: "getDiagram",
  method: "get",
  path: "/{id}",
  tags,
  summary: "A diagram, with the caller's role and active room",
  description: "Opening a diagram the caller reaches only through its link adds it to their diagram list.",
  security: bearer,
  request: { params: diagramParams },
  responses: { 200: json(diagramSchema, "The diagram"), ...errors(400, 401, 403, 404) },
});
const update = createRoute({
  operationId: "updateDiagram",
  method: "patch",
  path: "/{id}",
  tags,
  summary: "Rename a diagram and/or set its link access",
  security: bearer,
  request: { params: diagramParams, body: jsonBody(patchBody) },
  responses: { 200: json(diagramSchema, "The diagram as it is now"), ...errors(400, 401, 403, 404, 413, 415) },
});
const remove = createRoute({
  operationId: "deleteDiagram",
  method: "delete",
  path: "/{id}",
  tags,
  summary: "Delete a diagram (owner); its sessions end and everyone in them is disconnected",
  security: bearer,
  request: { params: diagramParams },
  responses: { 204: { description: "Deleted" }, ...errors(400, 401, 403, 404) },
});
const schema = createRoute({
  operationId: "getDiagramSchema",
  method: "get",
  path: "/{id}/schema",
  tags,
  summary: "The diagram as JSON (schema document v1)",
  security: bearer,
  request: { params: diagramParams },
  responses: { 200: json(diagramSchemaJson, "Tables and relationships, each with its version"), ...errors(400, 401, 403, 404) },
});
const shares = createRoute({
  operationId: "listShares",
  method: "get",
  path: "/{id}/shares",
  tags: ["Sharing"],
  summary: "The diagram's shares, with each user's name where known (owner)",
  security: bearer,
  request: { params: diagramParams },
  responses: {
    200: json(z.object({ diagram_id: z.string(), link_access: linkAccessSchema, shares: z.array(shareSchema) }), "Shares and link access"),
    ...errors(400, 401, 403, 404),
  },
});
const putShare = createRoute({
  operationId: "putShare",
  method: "put",
  path: "/{id}/shares/{userId}",
  tags: ["Sharing"],
  summary: "Share with a user, or change their permission (owner); live connections follow at once",
  security: bearer,
  request: { params: shareParams, body: jsonBody(shareBody) },
  responses: { 200: json(shareSchema.extend({ diagram_id: z.string() }), "The share"), ...errors(400, 401, 403, 404, 413, 415) },
});
const deleteShare = createRoute({
  operationId: "deleteShare",
  method: "delete",
  path: "/{id}/shares/{userId}",
  tags: ["Sharing"],
  summary: "Revoke a share (owner); the user is disconnected at once unless the link still gives access",
  security: bearer,
  request: { params: shareParams },
  responses: { 204: { description: "Revoked" }, ...errors(400, 401, 403, 404) },
});
const searchUsers = createRoute({
  operationId: "findShareCandidates",
  method: "get",
  path: "/{id}/share-candidates",
  tags: ["Sharing"],
  summary: "Find people to share with by name prefix (owner)",
  description:
    `Among the users this server has seen sign in; reveals only id and name, at most ${USER_SEARCH.maxLimit} at a time, ` +
    `for a prefix of at least ${USER_SEARCH.minPrefix} characters. 404 when the server runs with USER_SEARCH=off.`,
  security: bearer,
  request: { params: diagramParams, query: searchQuery },
  responses: { 200: json(z.object({ users: z.array(userSchema) }), "Matching users, by name"), ...errors(400, 401, 403, 404) },
});

/** Diagrams, their shares, their link, and their schema as JSON. */
export function diagramRoutes(core: Core, control: RoomControl) {
  /** The caller's role on the diagram: 404 when it does not exist, 403 when the caller has none. */
  const requireRole = async (diagramId: string, userId: string, allowed: readonly Role[]): Promise<{ diagram: Diagram; role: Role }> => {
    const diagram = await core.diagrams.get(diagramId);
    if (!diagram) throw notFound("diagram");
    const role = await core.diagrams.roleOf(diagramId, userId);
    if (!role) throw forbidden("no access to this diagram");
    if (!allowed.includes(role)) throw forbidden(`this needs one of: ${allowed.join(", ")}`);
    return { diagram, role };
  };
  const anyRole = ["owner", "editor", "viewer"] as const;
  const withRoom = async (diagram: Diagram, role: Role) => ({ ...diagram, role, active_room_id: (await core.sessions.activeFor(diagram.id))?.id ?? null });

  return router<AppEnv>()
    .openapi(list, async (c) => {
      const { limit, cursor } = c.req.valid("query");
      const page = await core.diagrams.listFor(c.get("identity").userId, { limit, after: cursor === undefined ? undefined : decodeCursor(cursor) });
      return c.json({ diagrams: page.diagrams, next_cursor: page.next ? encodeCursor(page.next) : null }, 200);
    })
    .openapi(create, async (c) => {
      const { name } = c.req.valid("json");
      const diagram = await core.diagrams.create(name, c.get("identity").userId);
      return c.json({ ...diagram, role: "owner" as const, active_room_id: null }, 201);
    })
    .openapi(get, async (c) => {
      const { id } = c.req.valid("param");
      const userId = c.get("identity").userId;
      const { diagram, role } = await requireRole(id, userId, anyRole);
      const shared = role === "owner" ? undefined : (await core.diagrams.permissions(id))[userId];
      if (role !== roleFrom(diagram.owner_id, shared ?? null, userId)) await core.diagrams.recordLinkVisit(id, userId);
      return c.json(await withRoom(diagram, role), 200);
    })
    .openapi(update, async (c) => {
      const { id } = c.req.valid("param");
      const changes = c.req.valid("json");
      const identity = c.get("identity");
      const { role } = await requireRole(id, identity.userId, changes.link_access !== undefined ? ["owner"] : ["owner", "editor"]);
      let diagram: Diagram | undefined;
      if (changes.name !== undefined) {
        const name = changes.name;
        diagram = await core.diagrams.rename(id, name);
        await editDiagramDocument(core, id, { kind: OriginKind.Rename, userId: identity.userId }, (doc) => {
          // Only when it differs, so that a rename to the same name is no edit at all.
          if (metaOf(doc).get("name") !== name) metaOf(doc).set("name", name);
        });
        core.logger("http").info({ diagramId: id, userId: identity.userId }, "diagram renamed");
      }
      if (changes.link_access !== undefined) {
        diagram = await core.diagrams.setLinkAccess(id, changes.link_access);
        control.emit({ type: "link-changed", diagramId: id, linkAccess: changes.link_access, shares: await core.diagrams.permissions(id) });
        core.logger("http").info({ diagramId: id, linkAccess: changes.link_access }, "link access changed");
      }
      // Read again: the rename's document edit counts as the diagram's latest change too.
      diagram = diagram && (await core.diagrams.get(id));
      if (!diagram) throw notFound("diagram");
      return c.json(await withRoom(diagram, role), 200);
    })
    .openapi(remove, async (c) => {
      const { id } = c.req.valid("param");
      await requireRole(id, c.get("identity").userId, ["owner"]);
      const active = await core.sessions.activeFor(id);
      await core.diagrams.delete(id);
      core.access.forgetDiagram(id);
      control.emit({ type: "diagram-deleted", diagramId: id, roomIds: active ? [active.id] : [] });
      core.logger("http").info({ diagramId: id }, "diagram deleted");
      return c.body(null, 204);
    })
    .openapi(schema, async (c) => {
      const { id } = c.req.valid("param");
      await requireRole(id, c.get("identity").userId, anyRole);
      return c.json(await readDiagramSchema(core, id), 200);
    })
    .openapi(shares, async (c) => {
      const { id } = c.req.valid("param");
      const { diagram } = await requireRole(id, c.get("identity").userId, ["owner"]);
      return c.json({ diagram_id: id, link_access: diagram.link_access, shares: await core.diagrams.shares(id) }, 200);
    })
    .openapi(putShare, async (c) => {
      const { id, userId } = c.req.valid("param");
      const { permission } = c.req.valid("json");
      const { diagram } = await requireRole(id, c.get("identity").userId, ["owner"]);
      if (diagram.owner_id === userId) throw forbidden("the owner's access cannot be changed");
      const share = await core.diagrams.share(id, userId, permission);
      control.emit({ type: "access-changed", diagramId: id, userId, role: (await core.diagrams.roleOf(id, userId)) ?? null });
      const names = await core.users.names([userId]);
      return c.json({ diagram_id: id, ...share, name: names.get(userId) ?? null }, 200);
    })
    .openapi(deleteShare, async (c) => {
      const { id, userId } = c.req.valid("param");
      await requireRole(id, c.get("identity").userId, ["owner"]);
      if (!(await core.diagrams.unshare(id, userId))) throw notFound("share");
      // The link may still give the user a (lower) role: they keep that one.
      control.emit({ type: "access-changed", diagramId: id, userId, role: (await core.diagrams.roleOf(id, userId)) ?? null });
      return c.body(null, 204);
    })
    .openapi(searchUsers, async (c) => {
      if (!core.config.userSearch) throw new HttpError(404, ErrorCode.NotFound, "user search is switched off on this server (USER_SEARCH=off)");
      const { id } = c.req.valid("param");
      const { q, limit } = c.req.valid("query");
      const caller = c.get("identity").userId;
      await requireRole(id, caller, ["owner"]);
      const users = await core.users.search(q, limit + 1);
      return c.json({ users: users.filter((u) => u.id !== caller).slice(0, limit).map((u) => ({ user_id: u.id, name: u.name })) }, 200);
    });
}

/** The list cursor as an opaque token: base64url of `{ at, id }`. */
function encodeCursor(cursor: { at: string; id: string }): string {
  return Buffer.from(JSON.stringify([cursor.at, cursor.id])).toString("base64url");
}

function decodeCursor(token: string): { at: string; id: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    if (Array.isArray(value) && value.length === 2) {
      const [at, id] = value as unknown[];
      if (typeof at === "string" && typeof id === "string" && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/.test(at) && z.guid().safeParse(id).success) return { at, id };
    }
  } catch {
    // falls through to the refusal
  }
  throw new HttpError(400, ErrorCode.ValidationFailed, "cursor: not a cursor this server gave out");
}
