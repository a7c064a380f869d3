/**
 * A deterministic diagram generator for benchmarks and tests: the same options give the same
 * tables, columns, relationships and ids, on any machine.
 */
import type * as Y from "yjs";
import { buildRelationship, buildTable, relationshipsOf, tablesOf } from "./layout.ts";
import { CARDINALITIES, type ColumnJson } from "./types.ts";

/** How big a diagram to build. */
export interface DiagramShape {
  tables: number;
  /** At least 1 when `relationships` > 0: the first column is each table's primary key. */
  columnsPerTable: number;
  relationships: number;
  /** Seed of the pseudo-random generator; 1 when absent. */
  seed?: number;
}

/** The ids of what {@link buildDiagram} created, in creation order. */
export interface BuiltDiagram {
  tableIds: string[];
  relationshipIds: string[];
}

const COLUMN_TYPES = ["text", "integer", "bigint", "boolean", "timestamptz", "numeric(12,2)", "jsonb"];
const TABLES_PER_ROW = 20;

/**
 * Adds a generated diagram to `doc` in one transaction: a grid of tables, each with a primary-key
 * column `id` then typed columns, and relationships from a random column to another table's key.
 *
 * @example
 * buildDiagram(doc, { tables: 500, columnsPerTable: 10, relationships: 400, seed: 7 });
 */
export function buildDiagram(doc: Y.Doc, shape: DiagramShape, origin: unknown = null): BuiltDiagram {
  for (const key of ["tables", "columnsPerTable", "relationships"] as const) {
    if (!Number.isSafeInteger(shape[key]) || shape[key] < 0) throw new RangeError(`${key} must be a whole number >= 0`);
  }
  if (shape.relationships > 0 && (shape.tables === 0 || shape.columnsPerTable === 0)) {
    throw new RangeError("relationships need at least one table with at least one column");
  }
  const random = mulberry32(shape.seed ?? 1);
  const uuid = (): string => randomUuid(random);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

  const tables = Array.from({ length: shape.tables }, (_, i) => ({
    id: uuid(),
    name: `table_${i}`,
    x: (i % TABLES_PER_ROW) * 320,
    y: Math.floor(i / TABLES_PER_ROW) * 400,
    columns: Array.from({ length: shape.columnsPerTable }, (_, j): ColumnJson =>
      j === 0
        ? { id: uuid(), name: "id", type: "uuid", nullable: false, primary_key: true, unique: true }
        : { id: uuid(), name: `column_${j}`, type: pick(COLUMN_TYPES), nullable: random() < 0.5, primary_key: false, unique: false },
    ),
  }));
  const relationships = Array.from({ length: shape.relationships }, () => {
    const from = pick(tables);
    const to = pick(tables);
    return {
      id: uuid(),
      from_table: from.id,
      from_columns: [pick(from.columns).id],
      to_table: to.id,
      to_columns: [(to.columns[0] as ColumnJson).id],
      cardinality: pick(CARDINALITIES),
    };
  });

  doc.transact(() => {
    for (const table of tables) tablesOf(doc).set(table.id, buildTable(table));
    for (const relationship of relationships) relationshipsOf(doc).set(relationship.id, buildRelationship(relationship));
  }, origin);
  return { tableIds: tables.map((t) => t.id), relationshipIds: relationships.map((r) => r.id) };
}

/** mulberry32: a tiny, fast, well-distributed 32-bit PRNG; returns floats in [0, 1). */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A version-4-shaped UUID from the generator, so generated diagrams look like real ones. */
function randomUuid(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16));
  hex[12] = "4";
  hex[16] = ((Number.parseInt(hex[16] ?? "0", 16) & 0x3) | 0x8).toString(16);
  const s = hex.join("");
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}
