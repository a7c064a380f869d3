/** Plans for the column operations: AddColumn, UpdateColumn, DeleteColumn, MoveColumn. */
import { newId } from "./ids.ts";
import * as Y from "yjs";
import { OperationError, OperationErrorCode } from "./errors.ts";
import { buildColumn, COLUMNS, columnIdsOf, columnsOf, relationshipsOf, setField } from "./layout.ts";
import { MAX_COLUMNS, type OperationOf } from "./operations.ts";
import { invalid, relationshipsReferencing, requireColumn, requireTable, type Plan } from "./plan.ts";

export function planAddColumn(doc: Y.Doc, op: OperationOf<"AddColumn">): Plan {
  const table = requireTable(doc, op.table_id);
  const column = { ...op.column, id: op.column.id ?? newId() };
  if (columnIdsOf(table).has(column.id)) {
    throw new OperationError(OperationErrorCode.Conflict, `column ${column.id} already exists in table ${op.table_id}`);
  }
  const length = columnsOf(table)?.length ?? 0;
  if (length >= MAX_COLUMNS) throw invalid(`table ${op.table_id} already has ${MAX_COLUMNS} columns`);
  const index = op.index ?? length;
  if (index > length) throw invalid(`index ${index} is out of range: table ${op.table_id} has ${length} columns`);
  return {
    op: { ...op, column },
    touched: [op.table_id],
    mutate: () => {
      // A third-party client may have left a table without a column array; give it one.
      const columns = columnsOf(table) ?? table.set(COLUMNS, new Y.Array<unknown>());
      columns.insert(index, [buildColumn(column)]);
    },
  };
}

export function planUpdateColumn(doc: Y.Doc, op: OperationOf<"UpdateColumn">): Plan {
  const { column } = requireColumn(requireTable(doc, op.table_id), op.table_id, op.column_id);
  return {
    op,
    touched: [op.table_id],
    mutate: () => {
      for (const [key, value] of Object.entries(op.column)) setField(column, key, value);
    },
  };
}

/** Deletes the column (every copy, if replicas duplicated it) and the relationships that use it. */
export function planDeleteColumn(doc: Y.Doc, op: OperationOf<"DeleteColumn">): Plan {
  const { columns, indexes } = requireColumn(requireTable(doc, op.table_id), op.table_id, op.column_id);
  const relationships = relationshipsReferencing(doc, op.table_id, op.column_id);
  return {
    op,
    touched: [op.table_id, ...relationships],
    mutate: () => {
      // Highest first, so earlier deletions do not shift the positions still to delete.
      for (const index of indexes.toReversed()) columns.delete(index, 1);
      for (const id of relationships) relationshipsOf(doc).delete(id);
    },
  };
}

/**
 * Yjs arrays cannot move an element, so a move deletes the column and inserts a copy. A concurrent
 * edit to the old copy is lost, and two concurrent moves leave two copies — which the duplicate-id
 * invariant resolves the same way on every replica.
 */
export function planMoveColumn(doc: Y.Doc, op: OperationOf<"MoveColumn">): Plan {
  const { columns, column, index: from } = requireColumn(requireTable(doc, op.table_id), op.table_id, op.column_id);
  if (op.index >= columns.length) {
    throw invalid(`index ${op.index} is out of range: table ${op.table_id} has ${columns.length} columns`);
  }
  return {
    op,
    touched: [op.table_id],
    mutate: () => {
      if (from === op.index) return;
      const copy = column.clone();
      columns.delete(from, 1);
      columns.insert(op.index, [copy]);
    },
  };
}
