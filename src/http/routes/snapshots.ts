import { Hono } from "hono";
import type { Core } from "../../core.ts";
import { canEdit } from "../../rooms/access.ts";
import { restoreSnapshot } from "../../snapshots/restore.ts";
import type { AppEnv } from "../app.ts";
import { ErrorCode, HttpError, forbidden, notFound } from "../errors.ts";
import { sessionWithRole } from "../session-access.ts";
import { uuidParam } from "../validation.ts";

/** A session's snapshot history, and restoring one into the live room. Mounted under /api/liveshare/sessions. */
export function snapshotRoutes(core: Core) {
  const load = (roomId: string, userId: string) => sessionWithRole(core, roomId, userId);

  return new Hono<AppEnv>()
    .get("/:room_id/snapshots", async (c) => {
      const roomId = uuidParam(c, "room_id");
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
      return c.json({ room_id: roomId, diagram_id: session.diagram_id, snapshots });
    })
    .post("/:room_id/snapshots/:snapshot_id/restore", async (c) => {
      const roomId = uuidParam(c, "room_id");
      const snapshotId = uuidParam(c, "snapshot_id");
      const identity = c.get("identity");
      const { session, role } = await load(roomId, identity.userId);
      if (!canEdit(role)) throw forbidden("only the owner and editors can restore a snapshot");
      if (session.ended_at !== null) throw new HttpError(409, ErrorCode.Conflict, "the session has ended; start a new one to restore into");
      const snapshot = await core.snapshotStore.data(snapshotId);
      if (!snapshot || snapshot.diagram_id !== session.diagram_id) throw notFound("snapshot");
      const restored = await restoreSnapshot(core, core.snapshots, roomId, snapshotId, identity);
      return c.json({
        room_id: roomId,
        snapshot_id: snapshotId,
        restored: true,
        elements_changed: restored.changed,
        before_snapshot_id: restored.beforeSnapshotId ?? null,
        after_snapshot_id: restored.afterSnapshotId ?? null,
      });
    });
}
