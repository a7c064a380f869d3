/**
 * GraphOperation: the edits a client without Yjs (the JSON protocol, REST) can make to a diagram.
 * Everything arriving from outside goes through {@link parseGraphOperation}; objects are strict, so
 * an unknown key (including `__proto__`) is an error rather than silently ignored.
 */
import * as z from "zod";
import { OperationError, OperationErrorCode } from "./errors.ts";
import { CARDINALITIES, REFERENTIAL_ACTIONS } from "./types.ts";

/** Most columns a table may have. */
export const MAX_COLUMNS = 1000;
/** Most columns on either side of a composite relationship. */
export const MAX_KEY_COLUMNS = 32;

const id = z.string().min(1).max(128);
const name = z.string().min(1).max(255);
const sqlType = z.string().min(1).max(255);
const comment = z.string().max(10_000);
const defaultExpression = z.string().max(10_000);
const color = z.string().min(1).max(64);
// Bounded so layout maths on every client stays well inside float precision.
const coordinate = z.number().min(-1e7).max(1e7);
const index = z.int().min(0);
const cardinality = z.enum(CARDINALITIES);
const action = z.enum(REFERENTIAL_ACTIONS);
const keyColumns = z.array(id).min(1).max(MAX_KEY_COLUMNS).refine(unique, "column ids must not repeat");

/** A column as a client describes it; the server generates `id` when absent. */
export const columnInputSchema = z.strictObject({
  id: id.optional(),
  name,
  type: sqlType,
  nullable: z.boolean().default(true),
  primary_key: z.boolean().default(false),
  unique: z.boolean().default(false),
  default: defaultExpression.optional(),
  comment: comment.optional(),
});
export type ColumnInput = z.output<typeof columnInputSchema>;

const createTable = z.strictObject({
  type: z.literal("CreateTable"),
  table_id: id.optional(),
  name,
  x: coordinate,
  y: coordinate,
  color: color.optional(),
  comment: comment.optional(),
  columns: z
    .array(columnInputSchema)
    .max(MAX_COLUMNS)
    .refine((columns) => unique(columns.flatMap((c) => (c.id === undefined ? [] : [c.id]))), "column ids must not repeat")
    .optional(),
});

const deleteTable = z.strictObject({ type: z.literal("DeleteTable"), table_id: id });
const renameTable = z.strictObject({ type: z.literal("RenameTable"), table_id: id, name });
const moveTable = z.strictObject({ type: z.literal("MoveTable"), table_id: id, x: coordinate, y: coordinate });

// In updates, an absent field is left alone and `null` clears an optional one.
const updateTable = z.strictObject({
  type: z.literal("UpdateTable"),
  table_id: id,
  color: color.nullable().optional(),
  comment: comment.nullable().optional(),
});

const addColumn = z.strictObject({
  type: z.literal("AddColumn"),
  table_id: id,
  column: columnInputSchema,
  /** Position of the new column; absent appends. */
  index: index.optional(),
});

// The changes are nested under `column` (as in AddColumn) because a flat `type` field for the SQL
// type would collide with the operation's `type` tag.
const columnChanges = z.strictObject({
  name: name.optional(),
  type: sqlType.optional(),
  nullable: z.boolean().optional(),
  primary_key: z.boolean().optional(),
  unique: z.boolean().optional(),
  default: defaultExpression.nullable().optional(),
  comment: comment.nullable().optional(),
});
export type ColumnChanges = z.output<typeof columnChanges>;

const updateColumn = z.strictObject({
  type: z.literal("UpdateColumn"),
  table_id: id,
  column_id: id,
  column: columnChanges,
});

const deleteColumn = z.strictObject({ type: z.literal("DeleteColumn"), table_id: id, column_id: id });

const moveColumn = z.strictObject({
  type: z.literal("MoveColumn"),
  table_id: id,
  column_id: id,
  /** The column's position once moved. */
  index,
});

const createRelationship = z
  .strictObject({
    type: z.literal("CreateRelationship"),
    relationship_id: id.optional(),
    from_table: id,
    from_columns: keyColumns,
    to_table: id,
    to_columns: keyColumns,
    cardinality,
    on_delete: action.optional(),
    on_update: action.optional(),
    name: name.optional(),
  })
  .refine((op) => op.from_columns.length === op.to_columns.length, {
    error: "to_columns must have as many entries as from_columns",
    path: ["to_columns"],
  });

const updateRelationship = z
  .strictObject({
    type: z.literal("UpdateRelationship"),
    relationship_id: id,
    cardinality: cardinality.optional(),
    on_delete: action.nullable().optional(),
    on_update: action.nullable().optional(),
    name: name.nullable().optional(),
    from_columns: keyColumns.optional(),
    to_columns: keyColumns.optional(),
  })
  .refine(
    (op) => op.from_columns === undefined || op.to_columns === undefined || op.from_columns.length === op.to_columns.length,
    { error: "to_columns must have as many entries as from_columns", path: ["to_columns"] },
  );

const deleteRelationship = z.strictObject({ type: z.literal("DeleteRelationship"), relationship_id: id });

/** Any GraphOperation, tagged by `type`. Parses to the normalized form (column flags defaulted). */
export const graphOperationSchema = z.discriminatedUnion("type", [
  createTable,
  deleteTable,
  renameTable,
  moveTable,
  updateTable,
  addColumn,
  updateColumn,
  deleteColumn,
  moveColumn,
  createRelationship,
  updateRelationship,
  deleteRelationship,
]);

/** A validated GraphOperation. */
export type GraphOperation = z.output<typeof graphOperationSchema>;
/** A GraphOperation as a client may write it (column flags may be left out: they have defaults). */
export type GraphOperationInput = z.input<typeof graphOperationSchema>;
/** The `type` tags of GraphOperation. */
export type GraphOperationType = GraphOperation["type"];
/** The GraphOperation with tag `T`, e.g. `OperationOf<"RenameTable">`. */
export type OperationOf<T extends GraphOperationType> = Extract<GraphOperation, { type: T }>;

const OPERATION_TYPES: ReadonlySet<string> = new Set(graphOperationSchema.options.map((option) => option.shape.type.value));
const MAX_MESSAGE = 500;

/**
 * Validates untrusted input as a GraphOperation.
 *
 * @throws OperationError `invalid_operation` with a message naming the offending field, e.g.
 *   `RenameTable: name: Too small: expected string to have >=1 characters`.
 */
export function parseGraphOperation(input: unknown): GraphOperation {
  const result = graphOperationSchema.safeParse(input);
  if (result.success) return result.data;
  throw new OperationError(OperationErrorCode.InvalidOperation, describe(input, result.error.issues));
}

function describe(input: unknown, issues: readonly z.core.$ZodIssue[]): string {
  const details = issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.map(String).join(".") : "operation"}: ${issue.message}`)
    .join("; ");
  const type = typeof input === "object" && input !== null && "type" in input ? input.type : undefined;
  const prefixed = typeof type === "string" && OPERATION_TYPES.has(type) ? `${type}: ${details}` : details;
  // Messages go back to clients and into logs; a hostile key list must not make them huge.
  return prefixed.length > MAX_MESSAGE ? `${prefixed.slice(0, MAX_MESSAGE)}…` : prefixed;
}

function unique(values: readonly string[]): boolean {
  return new Set(values).size === values.length;
}
