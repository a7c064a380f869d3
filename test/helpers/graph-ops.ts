/**
 * Random valid GraphOperations for fuzz tests: ids come from small pools so replicas collide on them,
 * which is what breaks invariants.
 */
import { CARDINALITIES, type SchemaJson, type TableJson } from "../../src/schema-doc/index.ts";
import type { Random } from "./random.ts";

export const pool = (prefix: string, size: number) => Array.from({ length: size }, (_, i) => `${prefix}${i}`);
export const TABLE_IDS = pool("t", 5);
export const COLUMN_IDS = pool("c", 8);
export const RELATIONSHIP_IDS = pool("r", 8);

/** Operation kinds, numbered as in `randomOperation`, each with equal weight. */
export const ALL_KINDS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
/** Column-heavy: concurrent adds and moves of one column are what produce duplicate column ids. */
export const COLUMN_KINDS = [5, 5, 5, 6, 7, 8, 8, 8, 9, 11];

/** A valid operation for the replica's current state, or undefined when the chosen kind has no target. */
export function randomOperation(random: Random, schema: SchemaJson, kinds: readonly number[] = ALL_KINDS): unknown {
  const tables = schema.tables;
  const withColumns = tables.filter((t) => t.columns.length > 0);
  const freeTableId = TABLE_IDS.filter((id) => !tables.some((t) => t.id === id));
  const freeRelationshipId = RELATIONSHIP_IDS.filter((id) => !schema.relationships.some((r) => r.id === id));
  const coordinate = () => random.int(2000) - 1000;
  const name = () => `n${random.int(100)}`;

  switch (random.pick(kinds)) {
    case 0: {
      if (freeTableId.length === 0) return undefined;
      const columnIds = COLUMN_IDS.filter(() => random.chance(0.3)).slice(0, 4);
      return {
        type: "CreateTable",
        table_id: random.pick(freeTableId),
        name: name(),
        x: coordinate(),
        y: coordinate(),
        columns: columnIds.map((id) => ({ id, name: name(), type: "int" })),
      };
    }
    case 1:
      return tables.length === 0 ? undefined : { type: "DeleteTable", table_id: random.pick(tables).id };
    case 2:
      return tables.length === 0 ? undefined : { type: "RenameTable", table_id: random.pick(tables).id, name: name() };
    case 3:
      return tables.length === 0 ? undefined : { type: "MoveTable", table_id: random.pick(tables).id, x: coordinate(), y: coordinate() };
    case 4:
      return tables.length === 0
        ? undefined
        : { type: "UpdateTable", table_id: random.pick(tables).id, color: random.chance(0.5) ? null : `#${random.int(999)}`, comment: name() };
    case 5: {
      if (tables.length === 0) return undefined;
      const table = random.pick(tables);
      const free = COLUMN_IDS.filter((id) => !table.columns.some((c) => c.id === id));
      if (free.length === 0) return undefined;
      const column = { id: random.pick(free), name: name(), type: random.pick(["int", "text"]) };
      return { type: "AddColumn", table_id: table.id, column, index: random.int(table.columns.length + 1) };
    }
    case 6: {
      if (withColumns.length === 0) return undefined;
      const table = random.pick(withColumns);
      const column = { name: name(), nullable: random.chance(0.5), default: random.chance(0.5) ? null : "0" };
      return { type: "UpdateColumn", table_id: table.id, column_id: random.pick(table.columns).id, column };
    }
    case 7: {
      if (withColumns.length === 0) return undefined;
      const table = random.pick(withColumns);
      return { type: "DeleteColumn", table_id: table.id, column_id: random.pick(table.columns).id };
    }
    case 8: {
      if (withColumns.length === 0) return undefined;
      const table = random.pick(withColumns);
      return { type: "MoveColumn", table_id: table.id, column_id: random.pick(table.columns).id, index: random.int(table.columns.length) };
    }
    case 9: {
      if (withColumns.length === 0 || freeRelationshipId.length === 0) return undefined;
      const from = random.pick(withColumns);
      const to = random.pick(withColumns);
      const size = 1 + random.int(Math.min(2, distinctIds(from).length, distinctIds(to).length));
      return {
        type: "CreateRelationship",
        relationship_id: random.pick(freeRelationshipId),
        from_table: from.id,
        from_columns: distinctIds(from).slice(0, size),
        to_table: to.id,
        to_columns: distinctIds(to).slice(-size),
        cardinality: random.pick(CARDINALITIES),
      };
    }
    case 10: {
      if (schema.relationships.length === 0) return undefined;
      const relationship = random.pick(schema.relationships);
      return { type: "UpdateRelationship", relationship_id: relationship.id, cardinality: random.pick(CARDINALITIES), name: name() };
    }
    default:
      return schema.relationships.length === 0
        ? undefined
        : { type: "DeleteRelationship", relationship_id: random.pick(schema.relationships).id };
  }
}

/** Column ids of a table without repeats (a replica may hold duplicates until it repairs). */
export function distinctIds(table: TableJson): string[] {
  return [...new Set(table.columns.map((c) => c.id))];
}

