/**
 * An import applied to a diagram's live document as ONE transaction through `editDiagramDocument`
 * (the snapshot-restore path): every connected client, Yjs or JSON, receives it as a single update,
 * and it is durable before this resolves. Without an active session the stored document is updated.
 */
import type { Core } from "../core.ts";
import { OriginKind } from "../origins.ts";
import { editDiagramDocument } from "../rooms/server-edit.ts";
import { readSchema, replaceElements } from "../schema-doc/index.ts";
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
}

/**
 * Parses `request.source` — a `SchemaParseError` (line, column) or `ImportRejected` is thrown before
 * anything changes — then plans against the document as it is inside the transaction and applies it.
 */
export async function importIntoDiagram(core: Core, diagramId: string, userId: string, request: ImportRequest): Promise<ImportResult> {
  const parsed = await parseSchema(request.format, request.source);
  let result: ImportResult | undefined;
  let failure: unknown;
  await editDiagramDocument(core, diagramId, { kind: OriginKind.Import, userId }, (doc) => {
    try {
      // Planned and applied in one go: nothing can interleave between reading and writing.
      const { target, summary } = planImport(readSchema(doc), parsed, request.mode);
      result = { ...summary, elements_changed: replaceElements(doc, target) };
    } catch (error) {
      failure = error;
    }
  });
  if (failure !== undefined || !result) throw failure ?? new Error("import did not run");
  core.logger("schema-io").info({ diagramId, userId, format: request.format, mode: request.mode, changed: result.elements_changed }, "schema imported");
  return result;
}
