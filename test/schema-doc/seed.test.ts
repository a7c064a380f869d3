import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { buildDiagram, findViolations, readSchema } from "../../src/schema-doc/index.ts";

describe("buildDiagram", () => {
  it("builds the same diagram from the same seed, and a different one from another", () => {
    const shape = { tables: 20, columnsPerTable: 5, relationships: 15, seed: 42 };
    const a = new Y.Doc();
    const b = new Y.Doc();
    const c = new Y.Doc();
    buildDiagram(a, shape);
    buildDiagram(b, shape);
    buildDiagram(c, { ...shape, seed: 43 });
    expect(readSchema(a)).toEqual(readSchema(b));
    expect(readSchema(a)).not.toEqual(readSchema(c));
  });

  it("builds a valid diagram of the requested size and returns its ids", () => {
    const doc = new Y.Doc();
    const built = buildDiagram(doc, { tables: 30, columnsPerTable: 4, relationships: 25 });
    const schema = readSchema(doc);
    expect(schema.tables).toHaveLength(30);
    expect(schema.tables.every((t) => t.columns.length === 4 && t.columns[0]?.primary_key === true)).toBe(true);
    expect(schema.relationships).toHaveLength(25);
    expect(built.tableIds.toSorted()).toEqual(schema.tables.map((t) => t.id));
    expect(built.relationshipIds).toHaveLength(25);
    expect(findViolations(doc)).toEqual([]);
  });

  it("builds 500 tables of 10 columns with 400 relationships in one update", () => {
    const doc = new Y.Doc();
    let updates = 0;
    doc.on("update", () => void (updates += 1));
    buildDiagram(doc, { tables: 500, columnsPerTable: 10, relationships: 400, seed: 7 });
    expect(updates).toBe(1);
    expect(readSchema(doc).tables).toHaveLength(500);
    expect(findViolations(doc)).toEqual([]);
  });

  it("refuses relationships when there are no columns to connect", () => {
    expect(() => buildDiagram(new Y.Doc(), { tables: 3, columnsPerTable: 0, relationships: 1 })).toThrow(RangeError);
  });
});
