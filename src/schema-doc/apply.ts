/**
 * Applies a GraphOperation to a schema document: validate, check every precondition, then write
 * all changes in one transaction — so other replicas see one atomic update, and a refused
 * operation leaves the document untouched.
 */
import type * as Y from "yjs";
import { planAddColumn, planDeleteColumn, planMoveColumn, planUpdateColumn } from "./column-ops.ts";
import { parseGraphOperation, type GraphOperation } from "./operations.ts";
import type { Plan } from "./plan.ts";
import { planCreateRelationship, planDeleteRelationship, planUpdateRelationship } from "./relationship-ops.ts";
import { planCreateTable, planDeleteTable, planMoveTable, planRenameTable, planUpdateTable } from "./table-ops.ts";

/** The outcome of {@link applyOperation}. */
export interface AppliedOperation {
  /** The operation as applied: normalized, with server-generated ids filled in. */
  op: GraphOperation;
  /**
   * Ids of the tables and relationships changed or deleted, cascades included (a column
   * operation touches its table).
   */
  touched: string[];
}

/**
 * Applies one operation. `input` is validated whatever its static type, so untrusted JSON can be
 * passed straight in.
 *
 * @param origin the transaction origin, so observers can tell who made the change.
 * @throws OperationError `invalid_operation`, `not_found` or `conflict`; the document is then unchanged.
 *
 * @example
 * const { op } = applyOperation(doc, { type: "CreateTable", name: "users", x: 0, y: 0 }, origin);
 * op.table_id; // the generated id
 */
export function applyOperation(doc: Y.Doc, input: unknown, origin: unknown): AppliedOperation {
  const plan = planOperation(doc, parseGraphOperation(input));
  doc.transact(plan.mutate, origin);
  return { op: plan.op, touched: plan.touched };
}

function planOperation(doc: Y.Doc, op: GraphOperation): Plan {
  switch (op.type) {
    case "CreateTable":
      return planCreateTable(doc, op);
    case "DeleteTable":
      return planDeleteTable(doc, op);
    case "RenameTable":
      return planRenameTable(doc, op);
    case "MoveTable":
      return planMoveTable(doc, op);
    case "UpdateTable":
      return planUpdateTable(doc, op);
    case "AddColumn":
      return planAddColumn(doc, op);
    case "UpdateColumn":
      return planUpdateColumn(doc, op);
    case "DeleteColumn":
      return planDeleteColumn(doc, op);
    case "MoveColumn":
      return planMoveColumn(doc, op);
    case "CreateRelationship":
      return planCreateRelationship(doc, op);
    case "UpdateRelationship":
      return planUpdateRelationship(doc, op);
    case "DeleteRelationship":
      return planDeleteRelationship(doc, op);
    default:
      return unexpected(op);
  }
}

/** Makes the switch above exhaustive: adding an operation without a plan is a compile error. */
function unexpected(value: never): never {
  throw new Error(`unexpected operation ${JSON.stringify(value)}`);
}
