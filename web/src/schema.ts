/** The diagram's JSON form and the operations on it, as the client library gives them. */
export type { SchemaJson, TableJson, ColumnJson, RelationshipJson, Cardinality, GraphOperationInput as GraphOperation } from "liveshare/client";
export { CARDINALITIES } from "../../src/schema-doc/types.ts";
