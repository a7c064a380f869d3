/**
 * The rules the server restores after every merge. Each replica's edits are valid on their own,
 * but concurrent edits can combine into an invalid document (a relationship created while its
 * table was deleted elsewhere; the same column added, or moved, on two replicas at once). The
 * repairs are deterministic functions of the merged document, so every replica that runs them
 * deletes the same Yjs items and they converge.
 */
import * as Y from "yjs";
import { COLUMNS, columnIdOf, columnIdsOf, columnsOf, relationshipsOf, tableMap, tablesOf } from "./layout.ts";
import { toRelationshipJson } from "./read.ts";
import type { RelationshipJson } from "./types.ts";
import { touchedElements } from "./touched.ts";

/** A broken rule, as found by {@link findViolations}. */
export type Violation =
  /** A relationship that is malformed or names a table or column that does not exist. */
  | { kind: "dangling_relationship"; relationship_id: string }
  /** A later column with an id already used earlier in the same table (position `index`). */
  | { kind: "duplicate_column"; table_id: string; column_id: string; index: number };

/** Everything that breaks an invariant; empty for a valid document. Reads only. */
export function findViolations(doc: Y.Doc): Violation[] {
  return collectViolations(doc, undefined);
}

/**
 * Restores the invariants in one transaction with `origin`: deletes dangling relationships and,
 * where a table holds several columns with one id, all but the first in array order. Returns the
 * number of repairs; 0 means nothing was wrong and no transaction was opened. Idempotent.
 */
export function repairInvariants(doc: Y.Doc, origin: unknown): number {
  return repair(doc, collectViolations(doc, undefined), origin);
}

/**
 * {@link repairInvariants} limited to what `transaction` could have broken: the tables and
 * relationships it touched, and the relationships pointing at touched tables. Cheap enough to call
 * after every merged update, for instance from `doc.on("afterTransaction", ...)` (skip the repair's
 * own origin to save a pass; running on it finds nothing anyway).
 */
export function repairAfterTransaction(doc: Y.Doc, transaction: Y.Transaction, origin: unknown): number {
  const touched = touchedElements(doc, transaction, changesColumnIds);
  if (touched.tables.size === 0 && touched.relationships.size === 0) return 0;
  return repair(doc, collectViolations(doc, touched), origin);
}

/**
 * Whether a change inside a table can break an invariant: both rules read a table only through its
 * column ids — a change to its column array (or to any array in it), to a map's `columns` (the array
 * replaced) or to a map's `id` (a column renamed to another id). Moving, renaming or recolouring a
 * table, or editing a column's other fields, cannot — and those are most edits.
 */
function changesColumnIds(type: object, keys: ReadonlySet<string | null>): boolean {
  return type instanceof Y.Array || keys.has("id") || keys.has(COLUMNS);
}

interface Scope {
  tables: ReadonlySet<string>;
  relationships: ReadonlySet<string>;
}

function collectViolations(doc: Y.Doc, scope: Scope | undefined): Violation[] {
  const violations: Violation[] = [];
  const tableIds = scope?.tables ?? tablesOf(doc).keys();
  for (const tableId of tableIds) violations.push(...duplicateColumns(doc, tableId));

  const relationships = relationshipsOf(doc);
  // Only a touched table can invalidate relationships that were not touched themselves.
  const candidates =
    scope === undefined || scope.tables.size > 0
      ? relationships.keys()
      : [...scope.relationships].filter((id) => relationships.has(id));
  const columnIds = columnIdCache(doc);
  for (const id of candidates) {
    const entry = relationships.get(id);
    if (scope !== undefined && !scope.relationships.has(id) && !pointsInto(entry, scope.tables)) continue;
    if (!referencesExist(toRelationshipJson(id, entry, 0), columnIds)) {
      violations.push({ kind: "dangling_relationship", relationship_id: id });
    }
  }
  return violations;
}

/** Whether a relationship entry names one of `tables`; reads two fields only, as it runs for every relationship. */
function pointsInto(entry: unknown, tables: ReadonlySet<string>): boolean {
  if (!(entry instanceof Y.Map)) return false;
  const from: unknown = entry.get("from_table");
  const to: unknown = entry.get("to_table");
  return (typeof from === "string" && tables.has(from)) || (typeof to === "string" && tables.has(to));
}

/** Whether a readable relationship's tables exist and have every column it names. */
function referencesExist(relationship: RelationshipJson | undefined, columnIds: ColumnIds): boolean {
  if (relationship === undefined) return false;
  const from = columnIds(relationship.from_table);
  const to = columnIds(relationship.to_table);
  return (
    from !== undefined &&
    to !== undefined &&
    relationship.from_columns.every((column) => from.has(column)) &&
    relationship.to_columns.every((column) => to.has(column))
  );
}

/** Every column of table `tableId` whose id already appeared earlier in its column array. */
function duplicateColumns(doc: Y.Doc, tableId: string): Violation[] {
  const table = tableMap(doc, tableId);
  if (table === undefined) return [];
  const seen = new Set<string>();
  const duplicates: Violation[] = [];
  columnsOf(table)?.forEach((entry, index) => {
    const columnId = columnIdOf(entry);
    if (columnId === undefined) return;
    if (seen.has(columnId)) duplicates.push({ kind: "duplicate_column", table_id: tableId, column_id: columnId, index });
    seen.add(columnId);
  });
  return duplicates;
}

/** Column-id sets per table: undefined when the table does not exist. */
type ColumnIds = (tableId: string) => ReadonlySet<string> | undefined;

/** {@link ColumnIds} built on first use, so each table is scanned at most once per check. */
function columnIdCache(doc: Y.Doc): ColumnIds {
  const cache = new Map<string, ReadonlySet<string> | undefined>();
  return (tableId) => {
    if (!cache.has(tableId)) {
      const table = tableMap(doc, tableId);
      cache.set(tableId, table === undefined ? undefined : columnIdsOf(table));
    }
    return cache.get(tableId);
  };
}

function repair(doc: Y.Doc, violations: readonly Violation[], origin: unknown): number {
  if (violations.length === 0) return 0;
  doc.transact(() => {
    // Highest index first within each table, so deletions do not shift positions still to delete.
    const byIndexDescending = [...violations].sort((a, b) => indexOf(b) - indexOf(a));
    for (const violation of byIndexDescending) {
      if (violation.kind === "dangling_relationship") {
        relationshipsOf(doc).delete(violation.relationship_id);
      } else {
        const table = tableMap(doc, violation.table_id);
        if (table !== undefined) columnsOf(table)?.delete(violation.index, 1);
      }
    }
  }, origin);
  return violations.length;
}

function indexOf(violation: Violation): number {
  return violation.kind === "duplicate_column" ? violation.index : -1;
}
