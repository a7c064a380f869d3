/**
 * Convergence fuzzing in the style of Yjs's TestConnector: several replicas apply random valid
 * operations, exchange updates at random (partial, one-directional), and occasionally repair as a
 * server would. After a full sync and a repair everywhere, all replicas must hold the same valid
 * diagram. Ids come from small pools so replicas collide on them, which is what breaks invariants.
 */
import { describe, expect, it } from "vitest";
import type * as Y from "yjs";
import {
  applyOperation,
  CARDINALITIES,
  ElementVersions,
  findViolations,
  readSchema,
  repairInvariants,
  type SchemaJson,
  type TableJson,
} from "../../src/schema-doc/index.ts";
import { Random } from "./prng.ts";
import { replica, syncAll, syncInto } from "./replicas.ts";

const REPLICAS = 4;
const STEPS = 250;
const SEEDS = Array.from({ length: 16 }, (_, i) => i + 1);

const pool = (prefix: string, size: number) => Array.from({ length: size }, (_, i) => `${prefix}${i}`);
const TABLE_IDS = pool("t", 5);
const COLUMN_IDS = pool("c", 8);
const RELATIONSHIP_IDS = pool("r", 8);

/** Operation kinds, numbered as in `randomOperation`, each with equal weight. */
const ALL_KINDS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
/** Column-heavy: concurrent adds and moves of one column are what produce duplicate column ids. */
const COLUMN_KINDS = [5, 5, 5, 6, 7, 8, 8, 8, 9, 11];

/** A valid operation for the replica's current state, or undefined when the chosen kind has no target. */
function randomOperation(random: Random, schema: SchemaJson, kinds: readonly number[] = ALL_KINDS): unknown {
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
function distinctIds(table: TableJson): string[] {
  return [...new Set(table.columns.map((c) => c.id))];
}

/** Replicas that all start with tables t0..t2 of four columns each, so column edits collide early. */
function sharedStart(): Y.Doc[] {
  const docs = Array.from({ length: REPLICAS }, (_, i) => replica(i + 1));
  const origin = docs[0] as Y.Doc;
  for (const tableId of TABLE_IDS.slice(0, 3)) {
    const columns = COLUMN_IDS.slice(0, 4).map((id) => ({ id, name: id, type: "int" }));
    applyOperation(origin, { type: "CreateTable", table_id: tableId, name: tableId, x: 0, y: 0, columns }, "setup");
  }
  syncAll(docs);
  return docs;
}

function run(seed: number, docs: Y.Doc[], kinds: readonly number[]): Y.Doc[] {
  const random = new Random(seed);
  for (let step = 0; step < STEPS; step++) {
    const doc = random.pick(docs);
    const action = random.next();
    if (action < 0.8) {
      const op = randomOperation(random, readSchema(doc), kinds);
      // Generated from this replica's own state, so it must apply: an error here is a bug.
      if (op !== undefined) applyOperation(doc, op, "fuzz");
    } else if (action < 0.95) {
      syncInto(doc, random.pick(docs.filter((other) => other !== doc)));
    } else {
      repairInvariants(doc, "repair");
    }
  }
  return docs;
}

function expectConverged(docs: readonly Y.Doc[]): void {
  syncAll(docs);
  for (const doc of docs) repairInvariants(doc, "repair");
  syncAll(docs);
  const [first, ...others] = docs.map((doc) => readSchema(doc));
  for (const other of others) expect(other).toEqual(first);
  for (const doc of docs) expect(findViolations(doc)).toEqual([]);
}

describe("convergence", () => {
  it.each(SEEDS)("leaves every replica with the same valid diagram (seed %i)", (seed) => {
    expectConverged(run(seed, Array.from({ length: REPLICAS }, (_, i) => replica(i + 1)), ALL_KINDS));
  });

  it.each(SEEDS)("resolves concurrent column edits on shared tables the same way everywhere (seed %i)", (seed) => {
    expectConverged(run(seed, sharedStart(), COLUMN_KINDS));
  });

  it("versions every element a replica ends up with, whatever the mix of local and merged changes", () => {
    const random = new Random(99);
    const docs = Array.from({ length: 3 }, (_, i) => replica(i + 1));
    const server = docs[0] as Y.Doc;
    const versions = new ElementVersions(server);
    for (let step = 0; step < 200; step++) {
      const doc = random.pick(docs);
      const op = randomOperation(random, readSchema(doc));
      if (op !== undefined) applyOperation(doc, op, "fuzz");
      if (random.chance(0.3)) syncInto(server, doc);
      if (random.chance(0.3)) syncInto(doc, server);
    }
    const schema = readSchema(server, (id) => versions.versionOf(id));
    for (const element of [...schema.tables, ...schema.relationships]) {
      expect(element.version).toBeGreaterThan(1);
      expect(element.version).toBeLessThanOrEqual(versions.current);
    }
  });
});
