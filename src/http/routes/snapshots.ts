import * as Y from "yjs";
import type { Core } from "../../core.ts";
import { canEdit } from "../../rooms/access.ts";
import { restoreSnapshot } from "../../snapshots/restore.ts";
import { readSchema } from "../../schema-doc/index.ts";
import { schemaJson } from "../../schema-doc/json-form.ts";
import type { AppEnv } from "../app-env.ts";
import { ErrorCode, HttpError, forbidden, notFound } from "../errors.ts";
import { bearer, createRoute, errors, json, router, z } from "../openapi.ts";
import { uuid } from "../schemas.ts";
import { SNAPSHOT_REASONS } from "../../storage/snapshots.ts";
import { sessionWithRole } from "../session-access.ts";

const tags = ["Snapshots"];
const roomParams = z.object({ room_id: uuid("The session's room id") });
const snapshotParams = roomParams.extend({ snapshot_id: uuid("The snapshot's id") });

const snapshotSchema = z
  .object({
    id: z.string(),
    created_at: z.string(),
    size_bytes: z.number().int(),
    element_count: z.number().int(),
    compressed: z.boolean(),
    reason: z.enum(SNAPSHOT_REASONS).openapi({
      description: "What made it: `interval` (the room changed), `shutdown` (graceful stop), `before-restore` (restoring it undoes that restore), `after-restore`",
    }),
    created_by: z.enum(SNAPSHOT_REASONS).openapi({ description: "The same as `reason` (its earlier name)", deprecated: true }),
    present_users: z.array(z.object({ user_id: z.string(), name: z.string().nullable() })),
    changed_since_by: z
      .array(z.object({ user_id: z.string(), name: z.string().nullable(), edits: z.number().int() }))
      .openapi({ description: "Who edited the diagram after this snapshot" }),
  })
  .openapi("Snapshot");

const list = createRoute({
  operationId: "listSnapshots",
  method: "get",
  path: "/{room_id}/snapshots",
  tags,
  summary: "The session's stored snapshots",
  security: bearer,
  request: { params: roomParams },
  responses: {
    200: json(z.object({ room_id: z.string(), diagram_id: z.string(), snapshots: z.array(snapshotSchema) }), "Snapshots, oldest first"),
    ...errors(400, 401, 403, 404),
  },
});
const preview = createRoute({
  operationId: "getSnapshot",
  method: "get",
  path: "/{room_id}/snapshots/{snapshot_id}",
  tags,
  summary: "One snapshot's diagram as JSON, read-only (the editor's history preview)",
  security: bearer,
  request: { params: snapshotParams },
  responses: {
    200: json(z.object({ id: z.string(), room_id: z.string(), diagram_id: z.string(), schema: schemaJson }), "The diagram as it was"),
    ...errors(400, 401, 403, 404),
  },
});
const restore = createRoute({
  operationId: "restoreSnapshot",
  method: "post",
  path: "/{room_id}/snapshots/{snapshot_id}/restore",
  tags,
  summary: "Restore a snapshot into the live room as one new change (owner or editor)",
  security: bearer,
  request: { params: snapshotParams },
  responses: {
    200: json(
      z.object({
        room_id: z.string(),
        snapshot_id: z.string(),
        restored: z.literal(true),
        elements_changed: z.number().int(),
        before_snapshot_id: z.string().nullable().openapi({ description: "The `before-restore` snapshot: restoring it undoes this restore" }),
        after_snapshot_id: z.string().nullable().openapi({ description: "The `after-restore` snapshot: the state this restore produced" }),
      }),
      "Restored",
    ),
    ...errors(400, 401, 403, 404, 409),
  },
});

/** A session's snapshot history, and restoring one into the live room. Mounted under /api/liveshare/sessions. */
export function snapshotRoutes(core: Core) {
  const load = (roomId: string, userId: string) => sessionWithRole(core, roomId, userId);

  return router<AppEnv>()
    .openapi(list, async (c) => {
      const { room_id: roomId } = c.req.valid("param");
      const { session } = await load(roomId, c.get("identity").userId);
      const rows = await core.snapshotStore.list(roomId);
      const userIds = [...new Set(rows.flatMap((r) => r.present_user_ids))];
      const names = await core.users.names(userIds);
      const snapshots = await Promise.all(
        rows.map(async (row) => ({
          id: row.id,
          created_at: row.created_at,
          size_bytes: row.size_bytes,
          element_count: row.element_count,
          compressed: row.compressed,
          reason: row.reason,
          // The name this field had before `reason`; kept for existing clients.
          created_by: row.reason,
          present_users: row.present_user_ids.map((id) => ({ user_id: id, name: names.get(id) ?? null })),
          changed_since_by: await core.snapshotStore.editorsSince(session.diagram_id, row.created_at),
        })),
      );
      return c.json({ room_id: roomId, diagram_id: session.diagram_id, snapshots }, 200);
    })
    .openapi(preview, async (c) => {
      const { room_id: roomId, snapshot_id: snapshotId } = c.req.valid("param");
      const { session } = await load(roomId, c.get("identity").userId);
      const row = await core.snapshotStore.data(snapshotId);
      if (!row || row.diagram_id !== session.diagram_id) throw notFound("snapshot");
      const snapshot = await core.snapshots.load(row);
      if (!snapshot) throw notFound("snapshot");
      const doc = new Y.Doc();
      try {
        Y.applyUpdate(doc, snapshot.data);
        return c.json({ id: snapshotId, room_id: roomId, diagram_id: session.diagram_id, schema: readSchema(doc) }, 200);
      } finally {
        doc.destroy();
      }
    })
    .openapi(restore, async (c) => {
      const { room_id: roomId, snapshot_id: snapshotId } = c.req.valid("param");
      const identity = c.get("identity");
      const { session, role } = await load(roomId, identity.userId);
      if (!canEdit(role)) throw forbidden("only the owner and editors can restore a snapshot");
      if (session.ended_at !== null) throw new HttpError(409, ErrorCode.Conflict, "the session has ended; start a new one to restore into");
      const snapshot = await core.snapshotStore.data(snapshotId);
      if (!snapshot || snapshot.diagram_id !== session.diagram_id) throw notFound("snapshot");
      const restored = await restoreSnapshot(core, core.snapshots, roomId, snapshotId, identity);
      return c.json(
        {
          room_id: roomId,
          snapshot_id: snapshotId,
          restored: true as const,
          elements_changed: restored.changed,
          before_snapshot_id: restored.beforeSnapshotId ?? null,
          after_snapshot_id: restored.afterSnapshotId ?? null,
        },
        200,
      );
    });
}
