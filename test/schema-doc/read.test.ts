import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { readRelationship, readSchema, readTable, relationshipsOf, tablesOf } from "../../src/schema-doc/index.ts";
import { usersAndOrders } from "./fixtures.ts";

describe("readSchema", () => {
  // SPEC: DOC-6
  it("sorts tables and relationships by id, whatever the insertion order", () => {
    const doc = new Y.Doc();
    for (const id of ["b", "c", "a"]) {
      tablesOf(doc).set(id, new Y.Map<unknown>([["name", id], ["columns", new Y.Array()]]));
      relationshipsOf(doc).set(`r-${id}`, new Y.Map<unknown>([["from_table", id]]));
    }
    const schema = readSchema(doc);
    expect(schema.tables.map((t) => t.id)).toEqual(["a", "b", "c"]);
    expect(schema.relationships.map((r) => r.id)).toEqual(["r-a", "r-b", "r-c"]);
  });

  // SPEC: DOC-6
  it("reports each element's version from the given function", () => {
    const doc = usersAndOrders();
    const schema = readSchema(doc, (id) => id.length);
    expect(schema.tables.map((t) => [t.id, t.version])).toEqual([["orders", 6], ["users", 5]]);
    expect(schema.relationships[0]?.version).toBe("orders-user".length);
  });

  it("reads an empty document as an empty diagram", () => {
    expect(readSchema(new Y.Doc())).toEqual({ tables: [], relationships: [] });
  });

  // SPEC: DOC-7
  it("tolerates malformed data written by a third-party client", () => {
    const doc = new Y.Doc();
    doc.transact(() => {
      tablesOf(doc).set("not-a-map", "hello");
      tablesOf(doc).set("plain-object", { name: "x" });
      const columns = new Y.Array<unknown>();
      columns.push([
        42,
        new Y.Map<unknown>([["name", "no id"]]),
        new Y.Map<unknown>([["id", "c1"], ["name", 7], ["nullable", "yes"], ["default", 0]]),
      ]);
      tablesOf(doc).set("sparse", new Y.Map<unknown>([["id", "other-id"], ["x", Number.POSITIVE_INFINITY], ["color", 3], ["columns", columns]]));
      tablesOf(doc).set("no-columns", new Y.Map<unknown>([["name", "t"], ["columns", "many"]]));
      relationshipsOf(doc).set("array", new Y.Array());
      const yColumns = new Y.Array<unknown>();
      yColumns.push(["c1", 5]);
      relationshipsOf(doc).set(
        "odd",
        new Y.Map<unknown>([["from_table", "sparse"], ["from_columns", yColumns], ["to_columns", "c1"], ["cardinality", "lots"], ["on_delete", "explode"]]),
      );
    });
    expect(readSchema(doc)).toEqual({
      tables: [
        { id: "no-columns", name: "t", x: 0, y: 0, columns: [], version: 0 },
        {
          id: "sparse",
          name: "",
          x: 0,
          y: 0,
          columns: [{ id: "c1", name: "", type: "", nullable: true, primary_key: false, unique: false }],
          version: 0,
        },
      ],
      relationships: [
        { id: "odd", from_table: "sparse", from_columns: ["c1"], to_table: "", to_columns: [], cardinality: "one_to_many", version: 0 },
      ],
    });
    expect(readTable(doc, "not-a-map")).toBeUndefined();
    expect(readRelationship(doc, "array")).toBeUndefined();
  });

  it("returns column lists the caller may modify without touching the document", () => {
    const doc = usersAndOrders();
    readRelationship(doc, "orders-user")?.from_columns.push("mutated");
    expect(readRelationship(doc, "orders-user")?.from_columns).toEqual(["orders.user_id"]);
  });
});
