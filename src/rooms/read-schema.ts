import * as Y from "yjs";
import type { Core } from "../core.ts";
import { ElementVersions, readSchema, type SchemaJson } from "../schema-doc/index.ts";

/**
 * The diagram as JSON. A room loaded on this instance answers from memory (with its live element
 * versions); otherwise the stored document is read — it holds every acknowledged edit — and each
 * element reports the version the room would give it on loading (1: versions count changes within a
 * room's lifetime, see `schema-doc/versions.ts`), so the answer does not depend on whether the room
 * happens to be loaded.
 */
export async function readDiagramSchema(core: Core, diagramId: string): Promise<SchemaJson & { diagram_id: string; schema_version: 1 }> {
  const session = await core.sessions.activeFor(diagramId);
  const live = session ? core.rooms.get(session.id) : undefined;
  if (live && session) {
    const versions = core.schemaGuard.versionsOf(session.id);
    return { diagram_id: diagramId, schema_version: 1, ...readSchema(live, versions ? (id) => versions.versionOf(id) : undefined) };
  }
  const doc = new Y.Doc();
  await core.documents.loadInto(diagramId, doc);
  const versions = new ElementVersions(doc);
  try {
    return { diagram_id: diagramId, schema_version: 1, ...readSchema(doc, (id) => versions.versionOf(id)) };
  } finally {
    versions.destroy();
    doc.destroy();
  }
}
