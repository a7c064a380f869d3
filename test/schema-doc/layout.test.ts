import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import {
  buildRelationship,
  buildTable,
  initMeta,
  metaOf,
  readRelationship,
  readTable,
  relationshipsOf,
  SCHEMA_VERSION,
  tablesOf,
  type RelationshipValues,
  type TableValues,
} from "../../src/schema-doc/index.ts";

describe("the schema document layout", () => {
  // SPEC: DOC-1, DOC-2, DOC-3
  it("builds table and relationship maps that read back as the same JSON", () => {
    const table: TableValues = {
      id: "t",
      name: "users",
      x: 1,
      y: 2,
      comment: "people",
      columns: [{ id: "c", name: "id", type: "uuid", nullable: false, primary_key: true, unique: true, default: "gen_random_uuid()" }],
    };
    const relationship: RelationshipValues = {
      id: "r",
      from_table: "t",
      from_columns: ["c"],
      to_table: "t",
      to_columns: ["c"],
      cardinality: "one_to_one",
      on_update: "no_action",
    };
    const doc = new Y.Doc();
    tablesOf(doc).set("t", buildTable(table));
    relationshipsOf(doc).set("r", buildRelationship(relationship));
    expect(readTable(doc, "t")).toEqual({ ...table, version: 0 });
    expect(readRelationship(doc, "r")).toEqual({ ...relationship, version: 0 });
  });

  // SPEC: DOC-2, DOC-3
  it("stores columns as a Y.Array of Y.Maps and relationship column lists as plain arrays", () => {
    const doc = new Y.Doc();
    tablesOf(doc).set("t", buildTable({ id: "t", name: "t", x: 0, y: 0, columns: [{ id: "c", name: "c", type: "int", nullable: true, primary_key: false, unique: false }] }));
    relationshipsOf(doc).set("r", buildRelationship({ id: "r", from_table: "t", from_columns: ["c"], to_table: "t", to_columns: ["c"], cardinality: "one_to_many" }));
    const columns = (tablesOf(doc).get("t") as Y.Map<unknown>).get("columns");
    expect(columns).toBeInstanceOf(Y.Array);
    expect((columns as Y.Array<unknown>).get(0)).toBeInstanceOf(Y.Map);
    expect((relationshipsOf(doc).get("r") as Y.Map<unknown>).get("from_columns")).toEqual(["c"]);
  });

  // SPEC: DOC-4
  it("initialises meta with the schema version and keeps an existing one", () => {
    const doc = new Y.Doc();
    initMeta(doc, "shop");
    expect(metaOf(doc).toJSON()).toEqual({ name: "shop", schema_version: SCHEMA_VERSION });
    metaOf(doc).set("schema_version", 2);
    initMeta(doc, "renamed");
    expect(metaOf(doc).toJSON()).toEqual({ name: "renamed", schema_version: 2 });
  });
});
