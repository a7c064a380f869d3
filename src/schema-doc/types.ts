/**
 * The JSON form of schema document v1: what `GET /api/diagrams/:id/schema` returns and what JSON
 * protocol clients see. Field names match the Y.Doc layout (see `layout.ts`) one to one.
 */

/** Relationship cardinalities, in the order the editor offers them. */
export const CARDINALITIES = ["one_to_one", "one_to_many", "many_to_many"] as const;

/** How many rows on each side of a relationship may match. */
export type Cardinality = (typeof CARDINALITIES)[number];

/** SQL referential actions for `on_delete` / `on_update`, spelled in snake_case like the rest. */
export const REFERENTIAL_ACTIONS = ["cascade", "restrict", "set_null", "set_default", "no_action"] as const;

/** What the database does to referencing rows when the referenced row is deleted or updated. */
export type ReferentialAction = (typeof REFERENTIAL_ACTIONS)[number];

/** One column of a table. `default` is the SQL default expression, kept as text. */
export interface ColumnJson {
  id: string;
  name: string;
  type: string;
  nullable: boolean;
  primary_key: boolean;
  unique: boolean;
  default?: string;
  comment?: string;
}

/** A table with its columns in display order. `version` is the room-wide version of its last change. */
export interface TableJson {
  id: string;
  name: string;
  x: number;
  y: number;
  color?: string;
  comment?: string;
  columns: ColumnJson[];
  version: number;
}

/**
 * A (possibly composite) foreign key: `from_columns[i]` of `from_table` references `to_columns[i]`
 * of `to_table`. Columns are named by id so renaming a column never breaks a relationship.
 */
export interface RelationshipJson {
  id: string;
  from_table: string;
  from_columns: string[];
  to_table: string;
  to_columns: string[];
  cardinality: Cardinality;
  on_delete?: ReferentialAction;
  on_update?: ReferentialAction;
  name?: string;
  version: number;
}

/** The whole diagram; both lists are sorted by id so equal documents give equal JSON. */
export interface SchemaJson {
  tables: TableJson[];
  relationships: RelationshipJson[];
}
