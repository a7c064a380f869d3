/** Random valid-looking GraphOperations for a diagram as one client currently sees it (seeded). */
import { CARDINALITIES, type SchemaJson } from "../../src/schema-doc/index.ts";
import type { Random } from "./random.ts";

const TYPES = ["int", "text", "uuid", "jsonb"];

/**
 * One operation chosen for `schema`: creates, renames, moves, column edits, relationships and
 * deletes. It may be impossible by the time it arrives (a concurrent delete): that is the point.
 */
export function randomOperation(random: Random, schema: SchemaJson, step: number): object {
  const tables = schema.tables;
  const name = () => `n${step}_${random.int(1000)}`;
  const coordinate = () => random.int(4000) - 2000;
  if (tables.length < 3 || random.chance(0.12)) {
    return {
      type: "CreateTable",
      name: name(),
      x: coordinate(),
      y: coordinate(),
      columns: Array.from({ length: 1 + random.int(3) }, (_, i) => ({ name: `c${i}`, type: random.pick(TYPES), primary_key: i === 0 })),
    };
  }
  const table = random.pick(tables);
  const column = table.columns.length > 0 ? random.pick(table.columns) : undefined;
  switch (random.int(11)) {
    case 0:
      return random.chance(0.4) ? { type: "DeleteTable", table_id: table.id } : { type: "RenameTable", table_id: table.id, name: name() };
    case 1:
      return { type: "RenameTable", table_id: table.id, name: name() };
    case 2:
      return { type: "MoveTable", table_id: table.id, x: coordinate(), y: coordinate() };
    case 3:
      return { type: "UpdateTable", table_id: table.id, color: random.chance(0.3) ? null : `#${random.int(0xffffff).toString(16).padStart(6, "0")}`, comment: name() };
    case 4:
      return { type: "AddColumn", table_id: table.id, column: { name: name(), type: random.pick(TYPES) }, index: random.int(table.columns.length + 1) };
    case 5:
      return column
        ? { type: "UpdateColumn", table_id: table.id, column_id: column.id, column: { name: name(), nullable: random.chance(0.5) } }
        : { type: "AddColumn", table_id: table.id, column: { name: name(), type: "int" } };
    case 6:
      return column ? { type: "DeleteColumn", table_id: table.id, column_id: column.id } : { type: "DeleteTable", table_id: table.id };
    case 7:
      return column ? { type: "MoveColumn", table_id: table.id, column_id: column.id, index: random.int(table.columns.length) } : { type: "RenameTable", table_id: table.id, name: name() };
    case 8: {
      const to = random.pick(tables);
      const toColumn = to.columns[0];
      if (!column || !toColumn) return { type: "RenameTable", table_id: table.id, name: name() };
      return { type: "CreateRelationship", from_table: table.id, from_columns: [column.id], to_table: to.id, to_columns: [toColumn.id], cardinality: random.pick(CARDINALITIES) };
    }
    case 9: {
      const relationship = schema.relationships.length > 0 ? random.pick(schema.relationships) : undefined;
      return relationship
        ? { type: "UpdateRelationship", relationship_id: relationship.id, cardinality: random.pick(CARDINALITIES), name: random.chance(0.5) ? null : name() }
        : { type: "MoveTable", table_id: table.id, x: coordinate(), y: coordinate() };
    }
    default: {
      const relationship = schema.relationships.length > 0 ? random.pick(schema.relationships) : undefined;
      return relationship ? { type: "DeleteRelationship", relationship_id: relationship.id } : { type: "DeleteTable", table_id: table.id };
    }
  }
}
