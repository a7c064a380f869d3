import * as Y from "yjs";
import type { Core } from "../core.ts";
import type { Identity } from "../auth/tokens.ts";
import { OriginKind, serverEdit } from "../origins.ts";
import { replaceSchema } from "../schema-doc/index.ts";
import type { SnapshotManager } from "./snapshot-manager.ts";

export interface Restored {
  /** Elements that changed. */
  changed: number;
  /** The `before-restore` snapshot: restoring it undoes this restore. */
  beforeSnapshotId: string | undefined;
  /** The `after-restore` snapshot: the state the restore produced. */
  afterSnapshotId: string | undefined;
}

/**
 * Restores a snapshot into a live room: the document becomes that state as one new change that every
 * connected client receives (Yjs and JSON alike), that is durable before this resolves, and that is
 * itself undone by restoring the `before-restore` snapshot taken just before it.
 */
export async function restoreSnapshot(core: Core, manager: SnapshotManager, roomId: string, snapshotId: string, user: Identity): Promise<Restored> {
  const row = await core.snapshotStore.data(snapshotId);
  if (!row) throw new Error(`snapshot ${snapshotId} vanished`);
  const snapshot = await manager.load(row);
  if (!snapshot) throw new Error(`snapshot ${snapshotId} vanished`);
  const target = new Y.Doc();
  Y.applyUpdate(target, snapshot.data);
  const connection = await core.hocuspocus.openDirectConnection(roomId, { kind: OriginKind.Restore, userId: user.userId });
  try {
    const document = connection.document!;
    const before = await manager.take(roomId, document, "before-restore");
    const origin = serverEdit(OriginKind.Restore, { userId: user.userId, snapshotId });
    let changed = 0;
    document.transact(() => {
      changed = replaceSchema(document, target);
    }, origin);
    await core.durableLog.settled(origin);
    const after = await manager.take(roomId, document, "after-restore");
    core.logger("snapshots").info({ roomId, snapshotId, userId: user.userId, changed, beforeSnapshotId: before?.id }, "snapshot restored");
    return { changed, beforeSnapshotId: before?.id, afterSnapshotId: after?.id };
  } finally {
    target.destroy();
    await connection.disconnect();
  }
}
