/**
 * An import applied to a diagram's live document as ONE transaction: every connected client (Yjs and
 * JSON alike) receives it as a single update, and it is in the durable log before this resolves —
 * the same path as a snapshot restore (`src/snapshots/restore.ts`). A diagram without an active
 * session has no room: its stored document is updated instead, and a room that opens later loads it.
 */
import * as Y from "yjs";
import type { Core } from "../core.ts";
import { readSchema } from "../schema-doc/index.ts";
import { applySchema } from "./apply.ts";
import { planImport, type ImportMode, type ImportSummary } from "./merge-plan.ts";
import type { ImportFormat } from "./model.ts";
import { parseSchema } from "./parse/index.ts";

export interface ImportRequest {
  format: ImportFormat;
  source: string;
  mode: ImportMode;
}

export interface ImportResult extends ImportSummary {
  /** Elements (tables and relationships) written; 0 when the diagram already matched the source. */
  elements_changed: number;
  /** The live room the change went through, or null when the diagram had no active session. */
  room_id: string | null;
}

/**
 * Parses `request.source` (throws `SchemaParseError` or `ImportRejected` before anything changes) and
 * applies it to the diagram.
 */
export async function importIntoDiagram(core: Core, diagramId: string, userId: string, request: ImportRequest): Promise<ImportResult> {
  const parsed = parseSchema(request.format, request.source);
  const session = await core.sessions.activeFor(diagramId);
  if (!session) return importIntoStored(core, diagramId, parsed, request.mode);
  const context = { kind: "import", userId };
  const connection = await core.hocuspocus.openDirectConnection(session.id, context);
  try {
    const document = connection.document!;
    // Planned against the document as it is now, and applied in the same tick: nothing interleaves.
    const { target, summary } = planImport(readSchema(document), parsed, request.mode);
    const origin = { source: "local" as const, context: { ...context, format: request.format } };
    let changed = 0;
    document.transact(() => {
      changed = applySchema(document, target);
    }, origin);
    await core.durableLog.settled(origin);
    core.logger("schema-io").info({ roomId: session.id, diagramId, userId, format: request.format, mode: request.mode, changed }, "schema imported");
    return { ...summary, elements_changed: changed, room_id: session.id };
  } finally {
    await connection.disconnect();
  }
}

async function importIntoStored(core: Core, diagramId: string, parsed: ReturnType<typeof parseSchema>, mode: ImportMode): Promise<ImportResult> {
  const stored = await core.documents.load(diagramId);
  const doc = new Y.Doc();
  try {
    if (stored.update) Y.applyUpdate(doc, stored.update);
    const { target, summary } = planImport(readSchema(doc), parsed, mode);
    let changed = 0;
    doc.transact(() => {
      changed = applySchema(doc, target);
    });
    // Compaction folds the log into the stored state under the diagram's row lock: whatever was
    // appended meanwhile is merged in, not overwritten.
    if (changed > 0) await core.documents.compact(diagramId, doc);
    core.logger("schema-io").info({ diagramId, mode, changed }, "schema imported into the stored document");
    return { ...summary, elements_changed: changed, room_id: null };
  } finally {
    doc.destroy();
  }
}
