import { describe, expect, it } from "vitest";
import { OperationError, parseGraphOperation } from "../../src/schema-doc/index.ts";

function messageOf(input: unknown): string {
  try {
    parseGraphOperation(input);
  } catch (error) {
    expect(error).toBeInstanceOf(OperationError);
    expect((error as OperationError).code).toBe("invalid_operation");
    return (error as OperationError).message;
  }
  throw new Error("expected the operation to be refused");
}

describe("parseGraphOperation", () => {
  // SPEC: OP-3
  it("fills in the column flags a client left out", () => {
    expect(parseGraphOperation({ type: "AddColumn", table_id: "t", column: { name: "a", type: "int" } })).toEqual({
      type: "AddColumn",
      table_id: "t",
      column: { name: "a", type: "int", nullable: true, primary_key: false, unique: false },
    });
  });

  // SPEC: DOC-5, OP-2
  it("accepts any non-empty id up to 128 characters, not only UUIDs", () => {
    expect(parseGraphOperation({ type: "DeleteTable", table_id: "t".repeat(128) })).toMatchObject({ type: "DeleteTable" });
    expect(parseGraphOperation({ type: "DeleteTable", table_id: "x" })).toMatchObject({ table_id: "x" });
  });

  // SPEC: OP-10
  it("names the operation and the offending field in its message", () => {
    expect(messageOf({ type: "RenameTable", table_id: "t", name: "" })).toMatch(/^RenameTable: name: /);
    expect(messageOf({ type: "UpdateColumn", table_id: "t", column_id: "c", column: { type: "" } })).toMatch(/column\.type: /);
    expect(messageOf({ type: "CreateTable", name: "t", x: 0, y: 0, columns: [{ name: "a", type: "int", size: 4 }] })).toMatch(
      /columns\.0: Unrecognized key: "size"/,
    );
    expect(
      messageOf({ type: "CreateRelationship", from_table: "a", from_columns: ["x", "y"], to_table: "b", to_columns: ["z"], cardinality: "one_to_one" }),
    ).toMatch(/to_columns: to_columns must have as many entries as from_columns/);
  });

  // SPEC: OP-1
  it("lists the known operation types when the type is unknown", () => {
    const message = messageOf({ type: "DropDatabase" });
    expect(message).toMatch(/^type: /);
    expect(message).toContain("CreateTable");
  });

  // SPEC: OP-1
  it("rejects a __proto__ key rather than ignoring it", () => {
    const input: unknown = JSON.parse('{"type":"RenameTable","table_id":"t","name":"n","__proto__":{"polluted":true}}');
    expect(messageOf(input)).toContain('Unrecognized key: "__proto__"');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  // SPEC: OP-2
  it("rejects repeated column ids in a relationship", () => {
    expect(
      messageOf({ type: "CreateRelationship", from_table: "a", from_columns: ["x", "x"], to_table: "b", to_columns: ["y", "z"], cardinality: "one_to_one" }),
    ).toMatch(/from_columns: column ids must not repeat/);
  });

  // SPEC: OP-10
  it("keeps its message short whatever the input", () => {
    const keys = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`key_${"k".repeat(50)}_${i}`, i]));
    expect(messageOf({ type: "DeleteTable", table_id: "t", ...keys }).length).toBeLessThanOrEqual(501);
  });

  // SPEC: OP-6
  it("rejects an UpdateColumn with a flat type field, since type is the operation tag", () => {
    expect(() => parseGraphOperation({ type: "UpdateColumn", table_id: "t", column_id: "c", name: "x" })).toThrow(OperationError);
  });
});
