import * as Y from "yjs";
import type { Core } from "../core.ts";
import { serverEdit, type EditKind } from "../origins.ts";

/** What made a server-side edit (logged, and told to the durable log as the origin's context). */
export interface EditAuthor {
  kind: EditKind;
  userId: string;
}

/**
 * Changes a diagram's document on the server, the way a snapshot restore does: through its live
 * room when the diagram has an active session — every connected client, Yjs or JSON, receives the
 * change, and other instances through Redis — or, without a session, as one update appended to the
 * stored document's log. Resolves once the change is durable.
 *
 * @example
 * await editDiagramDocument(core, diagramId, { kind: OriginKind.Rename, userId }, (doc) => metaOf(doc).set("name", "Shop"));
 */
export async function editDiagramDocument(core: Core, diagramId: string, author: EditAuthor, mutate: (doc: Y.Doc) => void): Promise<void> {
  const session = await core.sessions.activeFor(diagramId);
  if (session) {
    const connection = await core.hocuspocus.openDirectConnection(session.id, { kind: author.kind, userId: author.userId });
    try {
      const document = connection.document;
      if (!document) throw new Error(`room ${session.id} did not load`);
      const origin = serverEdit(author.kind, { userId: author.userId });
      document.transact(() => mutate(document), origin);
      await core.durableLog.settled(origin);
    } finally {
      await connection.disconnect();
    }
    return;
  }
  // No room: a session started meanwhile loads the stored state; an update appended after that load
  // reaches its clients at the room's next compaction, which applies the stored log to the live document.
  const doc = new Y.Doc();
  try {
    await core.documents.loadInto(diagramId, doc);
    const before = Y.encodeStateVector(doc);
    let changed = false;
    doc.on("update", () => (changed = true));
    doc.transact(() => mutate(doc));
    if (changed) await core.documents.append(diagramId, Y.encodeStateAsUpdate(doc, before), author.userId);
  } finally {
    doc.destroy();
  }
}
