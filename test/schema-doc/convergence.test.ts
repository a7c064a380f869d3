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
import { Random } from "../helpers/random.ts";
import { ALL_KINDS, COLUMN_KINDS, TABLE_IDS, COLUMN_IDS, distinctIds, randomOperation } from "../helpers/graph-ops.ts";
import { replica, syncAll, syncInto } from "./replicas.ts";

const REPLICAS = 4;
const STEPS = 250;
const SEEDS = Array.from({ length: 16 }, (_, i) => i + 1);

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
  // SPEC: DOC-INV-3
  it.each(SEEDS)("leaves every replica with the same valid diagram (seed %i)", (seed) => {
    expectConverged(run(seed, Array.from({ length: REPLICAS }, (_, i) => replica(i + 1)), ALL_KINDS));
  });

  // SPEC: DOC-INV-2, DOC-INV-3
  it.each(SEEDS)("resolves concurrent column edits on shared tables the same way everywhere (seed %i)", (seed) => {
    expectConverged(run(seed, sharedStart(), COLUMN_KINDS));
  });

  // SPEC: DOC-8
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
