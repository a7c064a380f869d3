/**
 * A planned operation and the precondition checks that build it. Planning only reads the document;
 * every check that can fail runs before anything is written, so a refused operation changes nothing.
 */
import * as Y from "yjs";
import { OperationError, OperationErrorCode } from "./errors.ts";
import { columnIdOf, columnIdsOf, columnsOf, relationshipMap, relationshipsOf, tableMap, tablesOf } from "./layout.ts";
import type { GraphOperation } from "./operations.ts";
import { toRelationshipJson } from "./read.ts";

/** An operation that passed every check, ready to run inside one transaction. */
export interface Plan {
  /** The operation as applied, with generated ids filled in: replaying it elsewhere gives the same result. */
  op: GraphOperation;
  /** Ids of the tables and relationships it changes or deletes. */
  touched: string[];
  /** Writes the change; must not throw, since it runs after the checks. */
  mutate: () => void;
}

/** The table map under `id`, or a `not_found` error. */
export function requireTable(doc: Y.Doc, id: string): Y.Map<unknown> {
  const table = tableMap(doc, id);
  if (table === undefined) throw new OperationError(OperationErrorCode.NotFound, `table ${id} does not exist`);
  return table;
}

/** The relationship map under `id`, or a `not_found` error. */
export function requireRelationship(doc: Y.Doc, id: string): Y.Map<unknown> {
  const relationship = relationshipMap(doc, id);
  if (relationship === undefined) {
    throw new OperationError(OperationErrorCode.NotFound, `relationship ${id} does not exist`);
  }
  return relationship;
}

/**
 * Fails with `conflict` when a table or relationship already uses `id`. Tables and relationships
 * share one id space because element versions and selections address elements by bare id.
 */
export function requireFreeElementId(doc: Y.Doc, id: string): void {
  if (tablesOf(doc).has(id) || relationshipsOf(doc).has(id)) {
    throw new OperationError(OperationErrorCode.Conflict, `id ${id} is already in use`);
  }
}

/** Where a column sits in its table's column array. */
export interface ColumnLocation {
  columns: Y.Array<unknown>;
  /** The first column map with the id, the one edits apply to. */
  column: Y.Map<unknown>;
  index: number;
  /** Every position holding the id: more than one only until duplicates are repaired. */
  indexes: number[];
}

/** The column `columnId` of `table`, or a `not_found` error. */
export function requireColumn(table: Y.Map<unknown>, tableId: string, columnId: string): ColumnLocation {
  const columns = columnsOf(table);
  const indexes: number[] = [];
  let column: Y.Map<unknown> | undefined;
  columns?.forEach((entry, index) => {
    if (!(entry instanceof Y.Map) || columnIdOf(entry) !== columnId) return;
    column ??= entry;
    indexes.push(index);
  });
  const index = indexes[0];
  if (columns === undefined || column === undefined || index === undefined) {
    throw new OperationError(OperationErrorCode.NotFound, `column ${columnId} does not exist in table ${tableId}`);
  }
  return { columns, column, index, indexes };
}

/** Fails with `not_found` unless table `tableId` exists and has every column in `columnIds`. */
export function requireColumns(doc: Y.Doc, tableId: string, columnIds: readonly string[]): void {
  const present = columnIdsOf(requireTable(doc, tableId));
  const missing = columnIds.find((id) => !present.has(id));
  if (missing !== undefined) {
    throw new OperationError(OperationErrorCode.NotFound, `column ${missing} does not exist in table ${tableId}`);
  }
}

/** Ids of the relationships that reference table `tableId` (or, given `columnId`, that column of it). */
export function relationshipsReferencing(doc: Y.Doc, tableId: string, columnId?: string): string[] {
  const ids: string[] = [];
  for (const [id, entry] of relationshipsOf(doc)) {
    const relationship = toRelationshipJson(id, entry, 0);
    if (relationship === undefined) continue;
    const fromHit = relationship.from_table === tableId && (columnId === undefined || relationship.from_columns.includes(columnId));
    const toHit = relationship.to_table === tableId && (columnId === undefined || relationship.to_columns.includes(columnId));
    if (fromHit || toHit) ids.push(id);
  }
  return ids;
}

/** An `invalid_operation` error, for checks that depend on the document's current state. */
export function invalid(message: string): OperationError {
  return new OperationError(OperationErrorCode.InvalidOperation, message);
}
