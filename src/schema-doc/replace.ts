import type * as Y from "yjs";
import { buildRelationship, buildTable, metaOf, relationshipsOf, tablesOf, type RelationshipValues, type TableValues } from "./layout.ts";
import { readSchema } from "./read.ts";

/** A whole diagram's elements as values (a `SchemaJson` without versions, or with them: they are ignored). */
export interface SchemaValues {
  tables: readonly TableValues[];
  relationships: readonly RelationshipValues[];
}

/**
 * Makes `live` show the same diagram as `target`, as one new change: elements missing from the
 * target are deleted, differing ones are rebuilt, equal ones are left alone (so their history and
 * versions are untouched). This is how a snapshot is restored — forward, never by rewinding history,
 * so every client receives it as an ordinary update and restoring a later snapshot undoes it.
 * Call inside a transaction. Returns how many elements changed.
 */
export function replaceSchema(live: Y.Doc, target: Y.Doc): number {
  const changed = replaceElements(live, readSchema(target));
  const name = metaOf(target).get("name");
  if (typeof name === "string" && metaOf(live).get("name") !== name) metaOf(live).set("name", name);
  return changed;
}

/**
 * Makes `live` hold exactly the elements of `target`, given as values (an import's plan), the same way
 * `replaceSchema` does from a document. Call inside a transaction. Returns how many elements changed.
 */
export function replaceElements(live: Y.Doc, target: SchemaValues): number {
  const now = readSchema(live);
  return (
    replaceIn(tablesOf(live), now.tables, target.tables, buildTable) +
    replaceIn(relationshipsOf(live), now.relationships, target.relationships, buildRelationship)
  );
}

/** Deletes the elements of `map` not wanted, rebuilds the ones that differ, leaves equal ones alone. */
function replaceIn<T extends { id: string }>(map: Y.Map<unknown>, now: readonly T[], wanted: readonly T[], build: (values: T) => Y.Map<unknown>): number {
  const wantedIds = new Set(wanted.map((e) => e.id));
  const current = new Map(now.map((e) => [e.id, canonical(e)]));
  let changed = 0;
  for (const element of now) {
    if (wantedIds.has(element.id)) continue;
    map.delete(element.id);
    changed++;
  }
  for (const element of wanted) {
    if (current.get(element.id) === canonical(element)) continue;
    // A target read from a document carries versions; they are the room's, never stored.
    const { version: _version, ...values } = element as T & { version?: number };
    map.set(element.id, build(values as T));
    changed++;
  }
  return changed;
}

/**
 * A JSON text of an element independent of key order and without its `version`, so equal elements
 * compare equal however they were built (read back from a document, or planned from JSON).
 */
function canonical(value: unknown): string {
  return JSON.stringify(value, (key, v: unknown) => {
    if (key === "version") return undefined;
    if (!v || typeof v !== "object" || Array.isArray(v)) return v;
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
}
