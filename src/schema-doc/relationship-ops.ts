/** Plans for the relationship operations: CreateRelationship, UpdateRelationship, DeleteRelationship. */
import { newId } from "./ids.ts";
import type * as Y from "yjs";
import { OperationError, OperationErrorCode } from "./errors.ts";
import { buildRelationship, relationshipsOf, setField } from "./layout.ts";
import type { OperationOf } from "./operations.ts";
import { invalid, requireColumns, requireFreeElementId, requireRelationship, type Plan } from "./plan.ts";
import { toRelationshipJson } from "./read.ts";

export function planCreateRelationship(doc: Y.Doc, op: OperationOf<"CreateRelationship">): Plan {
  const relationshipId = op.relationship_id ?? newId();
  requireFreeElementId(doc, relationshipId);
  requireColumns(doc, op.from_table, op.from_columns);
  requireColumns(doc, op.to_table, op.to_columns);
  const { type: _type, relationship_id: _relationshipId, ...fields } = op;
  return {
    op: { ...op, relationship_id: relationshipId },
    touched: [relationshipId],
    mutate: () => relationshipsOf(doc).set(relationshipId, buildRelationship({ ...fields, id: relationshipId })),
  };
}

/** Column lists may change one side at a time, as long as both sides keep the same length. */
export function planUpdateRelationship(doc: Y.Doc, op: OperationOf<"UpdateRelationship">): Plan {
  const relationship = requireRelationship(doc, op.relationship_id);
  const current = toRelationshipJson(op.relationship_id, relationship, 0);
  if (current === undefined) throw invalid(`relationship ${op.relationship_id} is malformed`); // unreachable: it is a map
  if (op.from_columns !== undefined) requireColumns(doc, current.from_table, op.from_columns);
  if (op.to_columns !== undefined) requireColumns(doc, current.to_table, op.to_columns);
  const fromLength = (op.from_columns ?? current.from_columns).length;
  const toLength = (op.to_columns ?? current.to_columns).length;
  if (fromLength !== toLength) {
    throw invalid(`from_columns has ${fromLength} entries but to_columns has ${toLength}`);
  }
  const { type: _type, relationship_id: _relationshipId, ...changes } = op;
  return {
    op,
    touched: [op.relationship_id],
    mutate: () => {
      for (const [key, value] of Object.entries(changes)) setField(relationship, key, value);
    },
  };
}

export function planDeleteRelationship(doc: Y.Doc, op: OperationOf<"DeleteRelationship">): Plan {
  // `has`, not `requireRelationship`: deleting a malformed entry a third-party client left must work.
  if (!relationshipsOf(doc).has(op.relationship_id)) {
    throw new OperationError(OperationErrorCode.NotFound, `relationship ${op.relationship_id} does not exist`);
  }
  return { op, touched: [op.relationship_id], mutate: () => relationshipsOf(doc).delete(op.relationship_id) };
}
