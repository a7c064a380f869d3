/**
 * The diagram as a Y.Doc (schema document v1): layout, JSON types, GraphOperations, reading,
 * per-element versions and the invariants the server keeps after every merge.
 */
export { applyOperation, type AppliedOperation } from "./apply.ts";
export { OperationError, OperationErrorCode } from "./errors.ts";
export { findViolations, repairAfterTransaction, repairInvariants, type Violation } from "./invariants.ts";
export {
  buildColumn,
  buildRelationship,
  buildTable,
  COLUMNS,
  columnsOf,
  initMeta,
  META,
  metaOf,
  RELATIONSHIPS,
  relationshipMap,
  relationshipsOf,
  SCHEMA_VERSION,
  TABLES,
  tableMap,
  tablesOf,
  type RelationshipValues,
  type TableValues,
} from "./layout.ts";
export {
  columnInputSchema,
  graphOperationSchema,
  MAX_COLUMNS,
  MAX_KEY_COLUMNS,
  parseGraphOperation,
  type ColumnChanges,
  type ColumnInput,
  type GraphOperation,
  type GraphOperationInput,
  type GraphOperationType,
  type OperationOf,
} from "./operations.ts";
export { readRelationship, readSchema, readTable, type VersionOf } from "./read.ts";
export { replaceElements, replaceSchema, type SchemaValues } from "./replace.ts";
export { buildDiagram, type BuiltDiagram, type DiagramShape } from "./seed.ts";
export {
  CARDINALITIES,
  REFERENTIAL_ACTIONS,
  type Cardinality,
  type ColumnJson,
  type ReferentialAction,
  type RelationshipJson,
  type SchemaJson,
  type TableJson,
} from "./types.ts";
export { ElementVersions, type ElementChange, type ElementChangeListener } from "./versions.ts";
