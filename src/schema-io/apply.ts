/** Writing a planned schema into a Y.Doc: the one place an import touches the document. */
import * as Y from "yjs";
import { buildRelationship, buildTable, relationshipsOf, replaceSchema, tablesOf } from "../schema-doc/index.ts";
import type { SchemaValues } from "./merge-plan.ts";

/**
 * Makes `doc` hold exactly `target` (call inside one transaction): elements that are equal stay
 * untouched, like a snapshot restore (see `replaceSchema`). Returns how many elements changed.
 */
export function applySchema(doc: Y.Doc, target: SchemaValues): number {
  const wanted = new Y.Doc();
  try {
    wanted.transact(() => {
      for (const table of target.tables) tablesOf(wanted).set(table.id, buildTable(table));
      for (const relationship of target.relationships) relationshipsOf(wanted).set(relationship.id, buildRelationship(relationship));
    });
    return replaceSchema(doc, wanted);
  } finally {
    wanted.destroy();
  }
}
