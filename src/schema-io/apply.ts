/** Writing a planned schema into a Y.Doc: the one place an import touches the document. */
import type * as Y from "yjs";
import { buildRelationship, buildTable, readSchema, relationshipsOf, tablesOf, type RelationshipValues, type TableValues } from "../schema-doc/index.ts";
import type { SchemaValues } from "./merge-plan.ts";

/**
 * Makes `doc` hold exactly `target` (call inside one transaction): elements that are equal stay
 * untouched, missing ones are deleted, the rest rebuilt — as a snapshot restore does (`replaceSchema`),
 * but from JSON, without building the target as a document first. Returns how many elements changed.
 */
export function applySchema(doc: Y.Doc, target: SchemaValues): number {
  const now = readSchema(doc);
  return (
    replaceElements(tablesOf(doc), now.tables, target.tables, buildTable) +
    replaceElements(relationshipsOf(doc), now.relationships, target.relationships, buildRelationship)
  );
}

function replaceElements<T extends TableValues | RelationshipValues>(map: Y.Map<unknown>, now: readonly (T & { version: number })[], wanted: readonly T[], build: (values: T) => Y.Map<unknown>): number {
  const wantedIds = new Set(wanted.map((e) => e.id));
  // Compared as the document reads them back (`readSchema`'s field order), versions aside.
  const current = new Map(now.map(({ version: _version, ...rest }) => [rest.id, canonical(rest)]));
  let changed = 0;
  for (const element of now) {
    if (wantedIds.has(element.id)) continue;
    map.delete(element.id);
    changed++;
  }
  for (const element of wanted) {
    if (current.get(element.id) === canonical(element)) continue;
    map.set(element.id, build(element));
    changed++;
  }
  return changed;
}

/** A JSON text independent of key order, so that equal elements compare equal however they were built. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}
