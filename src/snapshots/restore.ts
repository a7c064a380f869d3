import * as Y from "yjs";
import type { Core } from "../core.ts";
import type { Identity } from "../auth/tokens.ts";
import { replaceSchema } from "../schema-doc/index.ts";
import type { SnapshotManager } from "./snapshot-manager.ts";

/**
 * Restores a snapshot into a live room: the document becomes that state as one new change that every
 * connected client receives (Yjs and JSON alike), that is durable before this resolves, and that is
 * itself undone by restoring a later snapshot. Returns how many elements changed.
 */
export async function restoreSnapshot(core: Core, manager: SnapshotManager, roomId: string, snapshotId: string, user: Identity): Promise<number> {
  const row = await core.snapshotStore.data(snapshotId);
  if (!row) throw new Error(`snapshot ${snapshotId} vanished`);
  const snapshot = await manager.load(row);
  if (!snapshot) throw new Error(`snapshot ${snapshotId} vanished`);
  const target = new Y.Doc();
  Y.applyUpdate(target, snapshot.data);
  const connection = await core.hocuspocus.openDirectConnection(roomId, { kind: "restore", userId: user.userId });
  try {
    const document = connection.document!;
    const origin = { source: "local" as const, context: { kind: "restore", userId: user.userId, snapshotId } };
    let changed = 0;
    document.transact(() => {
      changed = replaceSchema(document, target);
    }, origin);
    await core.durableLog.settled(origin);
    core.logger("snapshots").info({ roomId, snapshotId, userId: user.userId, changed }, "snapshot restored");
    return changed;
  } finally {
    target.destroy();
    await connection.disconnect();
  }
}
