/** Plans for the table operations: CreateTable, DeleteTable, RenameTable, MoveTable, UpdateTable. */
import { newId } from "./ids.ts";
import type * as Y from "yjs";
import { buildTable, relationshipsOf, setField, tablesOf } from "./layout.ts";
import type { OperationOf } from "./operations.ts";
import { relationshipsReferencing, requireFreeElementId, requireTable, type Plan } from "./plan.ts";
import { OperationError, OperationErrorCode } from "./errors.ts";

export function planCreateTable(doc: Y.Doc, op: OperationOf<"CreateTable">): Plan {
  const tableId = op.table_id ?? newId();
  requireFreeElementId(doc, tableId);
  const columns = (op.columns ?? []).map((column) => ({ ...column, id: column.id ?? newId() }));
  const { type: _type, table_id: _tableId, ...fields } = op;
  return {
    op: { ...op, table_id: tableId, columns },
    touched: [tableId],
    mutate: () => tablesOf(doc).set(tableId, buildTable({ ...fields, id: tableId, columns })),
  };
}

/** Deletes the table and, in the same transaction, every relationship that references it. */
export function planDeleteTable(doc: Y.Doc, op: OperationOf<"DeleteTable">): Plan {
  // `has`, not `requireTable`: deleting a malformed entry a third-party client left must work.
  if (!tablesOf(doc).has(op.table_id)) {
    throw new OperationError(OperationErrorCode.NotFound, `table ${op.table_id} does not exist`);
  }
  const relationships = relationshipsReferencing(doc, op.table_id);
  return {
    op,
    touched: [op.table_id, ...relationships],
    mutate: () => {
      tablesOf(doc).delete(op.table_id);
      for (const id of relationships) relationshipsOf(doc).delete(id);
    },
  };
}

export function planRenameTable(doc: Y.Doc, op: OperationOf<"RenameTable">): Plan {
  const table = requireTable(doc, op.table_id);
  return { op, touched: [op.table_id], mutate: () => setField(table, "name", op.name) };
}

export function planMoveTable(doc: Y.Doc, op: OperationOf<"MoveTable">): Plan {
  const table = requireTable(doc, op.table_id);
  return {
    op,
    touched: [op.table_id],
    mutate: () => {
      setField(table, "x", op.x);
      setField(table, "y", op.y);
    },
  };
}

export function planUpdateTable(doc: Y.Doc, op: OperationOf<"UpdateTable">): Plan {
  const table = requireTable(doc, op.table_id);
  return {
    op,
    touched: [op.table_id],
    mutate: () => {
      setField(table, "color", op.color);
      setField(table, "comment", op.comment);
    },
  };
}
