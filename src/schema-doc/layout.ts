/**
 * Schema document v1: where the diagram lives inside a Y.Doc. This layout is a public contract —
 * third-party Yjs clients read and write it directly — so names here never change within v1.
 *
 * ```
 * tables:        Y.Map  table id -> Y.Map { id, name, x, y, color?, comment?, columns: Y.Array<Y.Map> }
 * relationships: Y.Map  id -> Y.Map { id, from_table, from_columns: string[], to_table, to_columns,
 *                                     cardinality, on_delete?, on_update?, name? }
 * meta:          Y.Map  { name, schema_version }
 * ```
 */
import * as Y from "yjs";
import type { ColumnJson, RelationshipJson, TableJson } from "./types.ts";

export const TABLES = "tables";
export const RELATIONSHIPS = "relationships";
export const META = "meta";
/** Key of the `Y.Array` of column maps inside a table map. */
export const COLUMNS = "columns";
/** Value of `meta.schema_version` for this layout. */
export const SCHEMA_VERSION = 1;

/** A table as stored, without the server-side `version`. */
export type TableValues = Omit<TableJson, "version">;
/** A relationship as stored, without the server-side `version`. */
export type RelationshipValues = Omit<RelationshipJson, "version">;

// Values are typed `unknown`: any client may have written anything, so readers must check.

/** The top-level map of tables, keyed by table id. */
export function tablesOf(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap<unknown>(TABLES);
}

/** The top-level map of relationships, keyed by relationship id. */
export function relationshipsOf(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap<unknown>(RELATIONSHIPS);
}

/** The top-level map of document metadata (`name`, `schema_version`). */
export function metaOf(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap<unknown>(META);
}

/** The table map stored under `id`, or undefined when absent or not a `Y.Map`. */
export function tableMap(doc: Y.Doc, id: string): Y.Map<unknown> | undefined {
  const value = tablesOf(doc).get(id);
  return value instanceof Y.Map ? value : undefined;
}

/** The relationship map stored under `id`, or undefined when absent or not a `Y.Map`. */
export function relationshipMap(doc: Y.Doc, id: string): Y.Map<unknown> | undefined {
  const value = relationshipsOf(doc).get(id);
  return value instanceof Y.Map ? value : undefined;
}

/** A table's column array, or undefined when a client stored something else there. */
export function columnsOf(table: Y.Map<unknown>): Y.Array<unknown> | undefined {
  const value = table.get(COLUMNS);
  return value instanceof Y.Array ? value : undefined;
}

/** The id of a column entry, or undefined when the entry is not a column map with a string id. */
export function columnIdOf(entry: unknown): string | undefined {
  if (!(entry instanceof Y.Map)) return undefined;
  const id: unknown = entry.get("id");
  return typeof id === "string" ? id : undefined;
}

/** The ids of a table's columns (skipping entries that are not column maps with a string id). */
export function columnIdsOf(table: Y.Map<unknown>): Set<string> {
  const ids = new Set<string>();
  columnsOf(table)?.forEach((entry) => {
    const id = columnIdOf(entry);
    if (id !== undefined) ids.add(id);
  });
  return ids;
}

/** A new (not yet integrated) column map. Optional fields are left out rather than stored as undefined. */
export function buildColumn(column: ColumnJson): Y.Map<unknown> {
  return new Y.Map<unknown>(definedEntries(column));
}

/** A new (not yet integrated) table map, columns included. */
export function buildTable(table: TableValues): Y.Map<unknown> {
  const { columns, ...fields } = table;
  const columnArray = new Y.Array<unknown>();
  columnArray.push(columns.map(buildColumn));
  return new Y.Map<unknown>([...definedEntries(fields), [COLUMNS, columnArray]]);
}

/**
 * A new (not yet integrated) relationship map. Column lists are copied: Yjs keeps the stored array
 * by reference, and the caller's array must not alias document content.
 */
export function buildRelationship(relationship: RelationshipValues): Y.Map<unknown> {
  return new Y.Map<unknown>(
    definedEntries({
      ...relationship,
      from_columns: [...relationship.from_columns],
      to_columns: [...relationship.to_columns],
    }),
  );
}

/**
 * Writes one field of an update: `undefined` leaves it alone, `null` removes it, anything else is
 * stored — but only when it differs, so a no-op edit produces no Yjs update at all.
 */
export function setField(map: Y.Map<unknown>, key: string, value: unknown): void {
  if (value === undefined) return;
  if (value === null) {
    if (map.has(key)) map.delete(key);
    return;
  }
  if (!sameValue(map.get(key), value)) map.set(key, Array.isArray(value) ? [...value] : value);
}

/** Sets `meta` for a new document; leaves an existing `schema_version` alone. */
export function initMeta(doc: Y.Doc, name: string, origin: unknown = null): void {
  const meta = metaOf(doc);
  doc.transact(() => {
    setField(meta, "name", name);
    if (!meta.has("schema_version")) meta.set("schema_version", SCHEMA_VERSION);
  }, origin);
}

function definedEntries(record: object): [string, unknown][] {
  return Object.entries(record).filter(([, value]) => value !== undefined);
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => item === b[i]);
  }
  return a === b;
}
