import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import {
  applyOperation,
  OperationError,
  readRelationship,
  readSchema,
  readTable,
  type GraphOperation,
} from "../../src/schema-doc/index.ts";
import { ORDERS, ORDERS_USER, USERS, usersAndOrders } from "./fixtures.ts";
import { encoded } from "./replicas.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Counts the Yjs updates `fn` produces: one operation must be exactly one transaction. */
function updatesDuring(doc: Y.Doc, fn: () => void): unknown[] {
  const origins: unknown[] = [];
  const listener = (_update: Uint8Array, origin: unknown): void => void origins.push(origin);
  doc.on("update", listener);
  try {
    fn();
  } finally {
    doc.off("update", listener);
  }
  return origins;
}

const columnIds = (doc: Y.Doc, tableId: string) => readTable(doc, tableId)?.columns.map((c) => c.id);

describe("applyOperation on tables", () => {
  // SPEC: OP-4
  it("creates a table with generated ids and returns them", () => {
    const doc = new Y.Doc();
    const { op, touched } = applyOperation(
      doc,
      { type: "CreateTable", name: "users", x: 10, y: -20, color: "#ff0000", columns: [{ name: "id", type: "uuid", primary_key: true }] },
      "me",
    );
    if (op.type !== "CreateTable") throw new Error("wrong op type");
    expect(op.table_id).toMatch(UUID);
    const columnId = op.columns?.[0]?.id;
    expect(columnId).toMatch(UUID);
    expect(touched).toEqual([op.table_id]);
    expect(readSchema(doc)).toEqual({
      tables: [
        {
          id: op.table_id,
          name: "users",
          x: 10,
          y: -20,
          color: "#ff0000",
          columns: [{ id: columnId, name: "id", type: "uuid", nullable: true, primary_key: true, unique: false }],
          version: 0,
        },
      ],
      relationships: [],
    });
  });

  // SPEC: DOC-5
  it("treats ids as opaque strings, even __proto__", () => {
    const doc = new Y.Doc();
    applyOperation(doc, { type: "CreateTable", table_id: "__proto__", name: "odd", x: 0, y: 0, columns: [{ id: "constructor", name: "c", type: "int" }] }, "me");
    expect(readTable(doc, "__proto__")?.columns.map((c) => c.id)).toEqual(["constructor"]);
    expect(({} as Record<string, unknown>).name).toBeUndefined();
  });

  // SPEC: OP-4
  it("keeps the ids the client chose", () => {
    const doc = usersAndOrders();
    expect(readSchema(doc).tables.map((t) => t.id)).toEqual([ORDERS, USERS]);
    expect(columnIds(doc, USERS)).toEqual(["users.id", "users.email"]);
  });

  // SPEC: OP-5
  it("renames, moves and recolors a table, and null clears color and comment", () => {
    const doc = usersAndOrders();
    applyOperation(doc, { type: "RenameTable", table_id: USERS, name: "accounts" }, "me");
    applyOperation(doc, { type: "MoveTable", table_id: USERS, x: 1.5, y: 1e7 }, "me");
    applyOperation(doc, { type: "UpdateTable", table_id: USERS, color: "blue", comment: "people" }, "me");
    expect(readTable(doc, USERS)).toMatchObject({ name: "accounts", x: 1.5, y: 1e7, color: "blue", comment: "people" });
    applyOperation(doc, { type: "UpdateTable", table_id: USERS, color: null }, "me");
    expect(readTable(doc, USERS)).toMatchObject({ comment: "people" });
    expect(readTable(doc, USERS)).not.toHaveProperty("color");
    applyOperation(doc, { type: "UpdateTable", table_id: USERS, comment: null }, "me");
    expect(readTable(doc, USERS)).not.toHaveProperty("comment");
  });

  // SPEC: OP-7, OP-11
  it("deletes a table together with the relationships that reference it, in one transaction", () => {
    const doc = usersAndOrders();
    let result;
    const origins = updatesDuring(doc, () => {
      result = applyOperation(doc, { type: "DeleteTable", table_id: USERS }, "me");
    });
    expect(origins).toEqual(["me"]);
    expect(result).toMatchObject({ touched: [USERS, ORDERS_USER] });
    expect(readSchema(doc).tables.map((t) => t.id)).toEqual([ORDERS]);
    expect(readSchema(doc).relationships).toEqual([]);
  });

  // SPEC: OP-5
  it("writes nothing when an update sets the values already there", () => {
    const doc = usersAndOrders();
    const origins = updatesDuring(doc, () => {
      applyOperation(doc, { type: "MoveTable", table_id: USERS, x: 0, y: 0 }, "me");
      applyOperation(doc, { type: "RenameTable", table_id: USERS, name: "users" }, "me");
      applyOperation(doc, { type: "UpdateTable", table_id: USERS, color: null }, "me");
    });
    expect(origins).toEqual([]);
  });
});

describe("applyOperation on columns", () => {
  // SPEC: OP-4, OP-8
  it("appends a column, or inserts it at an index, with a generated id", () => {
    const doc = usersAndOrders();
    const { op } = applyOperation(doc, { type: "AddColumn", table_id: USERS, column: { name: "name", type: "text" } }, "me");
    if (op.type !== "AddColumn") throw new Error("wrong op type");
    expect(op.column.id).toMatch(UUID);
    applyOperation(doc, { type: "AddColumn", table_id: USERS, column: { id: "first", name: "first", type: "int" }, index: 0 }, "me");
    expect(columnIds(doc, USERS)).toEqual(["first", "users.id", "users.email", op.column.id]);
    expect(readTable(doc, USERS)?.columns[3]).toEqual({
      id: op.column.id,
      name: "name",
      type: "text",
      nullable: true,
      primary_key: false,
      unique: false,
    });
  });

  // SPEC: OP-5
  it("updates a column's fields and null clears its default and comment", () => {
    const doc = usersAndOrders();
    applyOperation(
      doc,
      {
        type: "UpdateColumn",
        table_id: USERS,
        column_id: "users.email",
        column: { name: "mail", type: "citext", nullable: false, unique: false, primary_key: true, default: "''", comment: "login" },
      },
      "me",
    );
    expect(readTable(doc, USERS)?.columns[1]).toEqual({
      id: "users.email",
      name: "mail",
      type: "citext",
      nullable: false,
      primary_key: true,
      unique: false,
      default: "''",
      comment: "login",
    });
    applyOperation(doc, { type: "UpdateColumn", table_id: USERS, column_id: "users.email", column: { default: null, comment: null } }, "me");
    expect(readTable(doc, USERS)?.columns[1]).not.toHaveProperty("default");
    expect(readTable(doc, USERS)?.columns[1]).not.toHaveProperty("comment");
  });

  // SPEC: OP-7
  it("deletes a column together with the relationships that use it", () => {
    const doc = usersAndOrders();
    applyOperation(doc, { type: "DeleteColumn", table_id: USERS, column_id: "users.email" }, "me");
    expect(readRelationship(doc, ORDERS_USER)).toBeDefined();
    const { touched } = applyOperation(doc, { type: "DeleteColumn", table_id: ORDERS, column_id: "orders.user_id" }, "me");
    expect(touched).toEqual([ORDERS, ORDERS_USER]);
    expect(columnIds(doc, ORDERS)).toEqual(["orders.id"]);
    expect(readSchema(doc).relationships).toEqual([]);
  });

  // SPEC: OP-8
  it("moves a column to the position it names", () => {
    const doc = usersAndOrders();
    applyOperation(doc, { type: "AddColumn", table_id: USERS, column: { id: "c", name: "c", type: "int" } }, "me");
    applyOperation(doc, { type: "MoveColumn", table_id: USERS, column_id: "users.id", index: 2 }, "me");
    expect(columnIds(doc, USERS)).toEqual(["users.email", "c", "users.id"]);
    applyOperation(doc, { type: "MoveColumn", table_id: USERS, column_id: "c", index: 0 }, "me");
    expect(columnIds(doc, USERS)).toEqual(["c", "users.email", "users.id"]);
    expect(readTable(doc, USERS)?.columns[2]).toEqual({
      id: "users.id",
      name: "id",
      type: "uuid",
      nullable: false,
      primary_key: true,
      unique: false,
    });
  });
});

describe("applyOperation on relationships", () => {
  // SPEC: OP-4, OP-9
  it("creates a composite relationship with a generated id", () => {
    const doc = usersAndOrders();
    const { op, touched } = applyOperation(
      doc,
      {
        type: "CreateRelationship",
        from_table: ORDERS,
        from_columns: ["orders.user_id", "orders.id"],
        to_table: USERS,
        to_columns: ["users.id", "users.email"],
        cardinality: "one_to_one",
        on_delete: "cascade",
        name: "fk_orders_users",
      },
      "me",
    );
    if (op.type !== "CreateRelationship" || op.relationship_id === undefined) throw new Error("no id returned");
    expect(op.relationship_id).toMatch(UUID);
    expect(touched).toEqual([op.relationship_id]);
    expect(readRelationship(doc, op.relationship_id)).toEqual({
      id: op.relationship_id,
      from_table: ORDERS,
      from_columns: ["orders.user_id", "orders.id"],
      to_table: USERS,
      to_columns: ["users.id", "users.email"],
      cardinality: "one_to_one",
      on_delete: "cascade",
      name: "fk_orders_users",
      version: 0,
    });
  });

  // SPEC: OP-5, OP-9
  it("updates a relationship's cardinality, actions, name and columns", () => {
    const doc = usersAndOrders();
    applyOperation(
      doc,
      { type: "UpdateRelationship", relationship_id: ORDERS_USER, cardinality: "many_to_many", on_update: "restrict", name: "fk" },
      "me",
    );
    applyOperation(doc, { type: "UpdateRelationship", relationship_id: ORDERS_USER, from_columns: ["orders.id"] }, "me");
    expect(readRelationship(doc, ORDERS_USER)).toMatchObject({
      cardinality: "many_to_many",
      on_update: "restrict",
      name: "fk",
      from_columns: ["orders.id"],
      to_columns: ["users.id"],
    });
    applyOperation(doc, { type: "UpdateRelationship", relationship_id: ORDERS_USER, on_update: null, name: null }, "me");
    expect(readRelationship(doc, ORDERS_USER)).not.toHaveProperty("on_update");
    expect(readRelationship(doc, ORDERS_USER)).not.toHaveProperty("name");
  });

  it("deletes a relationship", () => {
    const doc = usersAndOrders();
    expect(applyOperation(doc, { type: "DeleteRelationship", relationship_id: ORDERS_USER }, "me").touched).toEqual([ORDERS_USER]);
    expect(readSchema(doc).relationships).toEqual([]);
  });
});

describe("the applied operation", () => {
  // SPEC: OP-4
  it("replays to the same diagram on another document, generated ids included", () => {
    const original = new Y.Doc();
    const replay = new Y.Doc();
    const inputs: unknown[] = [
      { type: "CreateTable", name: "a", x: 0, y: 0, columns: [{ name: "id", type: "int" }, { name: "b_id", type: "int" }] },
      { type: "CreateTable", name: "b", x: 1, y: 1, columns: [{ name: "id", type: "int" }] },
    ];
    const applied: GraphOperation[] = inputs.map((input) => applyOperation(original, input, "me").op);
    const [a, b] = readSchema(original).tables.toSorted((x, y) => x.name.localeCompare(y.name));
    applied.push(
      applyOperation(
        original,
        {
          type: "CreateRelationship",
          from_table: a?.id,
          from_columns: [a?.columns[1]?.id],
          to_table: b?.id,
          to_columns: [b?.columns[0]?.id],
          cardinality: "one_to_many",
        },
        "me",
      ).op,
    );
    applied.push(applyOperation(original, { type: "AddColumn", table_id: b?.id, column: { name: "x", type: "text" } }, "me").op);
    for (const op of applied) applyOperation(replay, op, "replay");
    expect(readSchema(replay)).toEqual(readSchema(original));
  });

  // SPEC: OP-11
  it("is written with the caller's origin", () => {
    const doc = new Y.Doc();
    const origin = { source: "json", user: "u1" };
    expect(updatesDuring(doc, () => applyOperation(doc, { type: "CreateTable", name: "t", x: 0, y: 0 }, origin))).toEqual([origin]);
  });
});

describe("a refused operation", () => {
  const cases: [string, unknown, OperationError["code"]][] = [
    ["input that is not an object", "DeleteTable", "invalid_operation"],
    ["an unknown operation type", { type: "DropDatabase" }, "invalid_operation"],
    ["a missing field", { type: "RenameTable", table_id: USERS }, "invalid_operation"],
    ["an empty name", { type: "RenameTable", table_id: USERS, name: "" }, "invalid_operation"],
    ["a name over 255 characters", { type: "RenameTable", table_id: USERS, name: "n".repeat(256) }, "invalid_operation"],
    ["an id over 128 characters", { type: "DeleteTable", table_id: "i".repeat(129) }, "invalid_operation"],
    ["a comment over 10,000 characters", { type: "UpdateTable", table_id: USERS, comment: "c".repeat(10_001) }, "invalid_operation"],
    ["a coordinate that is not finite", { type: "MoveTable", table_id: USERS, x: Number.NaN, y: 0 }, "invalid_operation"],
    ["a coordinate beyond 1e7", { type: "MoveTable", table_id: USERS, x: 0, y: -1e7 - 1 }, "invalid_operation"],
    ["an extra key", { type: "DeleteTable", table_id: USERS, cascade: true }, "invalid_operation"],
    ["a __proto__ key", JSON.parse('{"type":"DeleteTable","table_id":"users","__proto__":{"admin":true}}'), "invalid_operation"],
    [
      "a __proto__ key in a nested column",
      JSON.parse('{"type":"AddColumn","table_id":"users","column":{"name":"a","type":"int","__proto__":{"x":1}}}'),
      "invalid_operation",
    ],
    ["more than 1000 columns", { type: "CreateTable", name: "t", x: 0, y: 0, columns: Array.from({ length: 1001 }, () => ({ name: "c", type: "int" })) }, "invalid_operation"],
    ["repeated column ids in a new table", { type: "CreateTable", name: "t", x: 0, y: 0, columns: [{ id: "c", name: "a", type: "int" }, { id: "c", name: "b", type: "int" }] }, "invalid_operation"],
    ["a fractional index", { type: "MoveColumn", table_id: USERS, column_id: "users.id", index: 0.5 }, "invalid_operation"],
    [
      "column lists of different lengths",
      { type: "CreateRelationship", from_table: ORDERS, from_columns: ["orders.id", "orders.user_id"], to_table: USERS, to_columns: ["users.id"], cardinality: "one_to_one" },
      "invalid_operation",
    ],
    [
      "an empty column list",
      { type: "CreateRelationship", from_table: ORDERS, from_columns: [], to_table: USERS, to_columns: [], cardinality: "one_to_one" },
      "invalid_operation",
    ],
    [
      "an unknown cardinality",
      { type: "CreateRelationship", from_table: ORDERS, from_columns: ["orders.id"], to_table: USERS, to_columns: ["users.id"], cardinality: "some" },
      "invalid_operation",
    ],
    ["an update that would unbalance the column lists", { type: "UpdateRelationship", relationship_id: ORDERS_USER, to_columns: ["users.id", "users.email"] }, "invalid_operation"],
    ["an AddColumn index past the end", { type: "AddColumn", table_id: USERS, column: { name: "c", type: "int" }, index: 3 }, "invalid_operation"],
    ["a MoveColumn index past the end", { type: "MoveColumn", table_id: USERS, column_id: "users.id", index: 2 }, "invalid_operation"],
    ["an unknown table", { type: "RenameTable", table_id: "nope", name: "x" }, "not_found"],
    ["deleting an unknown table", { type: "DeleteTable", table_id: "nope" }, "not_found"],
    ["an unknown column", { type: "UpdateColumn", table_id: USERS, column_id: "nope", column: { name: "x" } }, "not_found"],
    ["deleting an unknown column", { type: "DeleteColumn", table_id: USERS, column_id: "orders.id" }, "not_found"],
    ["moving an unknown column", { type: "MoveColumn", table_id: USERS, column_id: "nope", index: 0 }, "not_found"],
    ["adding a column to an unknown table", { type: "AddColumn", table_id: "nope", column: { name: "c", type: "int" } }, "not_found"],
    ["an unknown relationship", { type: "UpdateRelationship", relationship_id: "nope", name: "x" }, "not_found"],
    ["deleting an unknown relationship", { type: "DeleteRelationship", relationship_id: "nope" }, "not_found"],
    [
      "a relationship to an unknown table",
      { type: "CreateRelationship", from_table: ORDERS, from_columns: ["orders.id"], to_table: "nope", to_columns: ["users.id"], cardinality: "one_to_one" },
      "not_found",
    ],
    [
      "a relationship to a column of another table",
      { type: "CreateRelationship", from_table: ORDERS, from_columns: ["orders.id"], to_table: USERS, to_columns: ["orders.id"], cardinality: "one_to_one" },
      "not_found",
    ],
    ["an update to an unknown column", { type: "UpdateRelationship", relationship_id: ORDERS_USER, from_columns: ["users.id"] }, "not_found"],
    ["a table id already taken", { type: "CreateTable", table_id: USERS, name: "again", x: 0, y: 0 }, "conflict"],
    ["a table id taken by a relationship", { type: "CreateTable", table_id: ORDERS_USER, name: "again", x: 0, y: 0 }, "conflict"],
    ["a column id already in the table", { type: "AddColumn", table_id: USERS, column: { id: "users.email", name: "again", type: "int" } }, "conflict"],
    [
      "a relationship id already taken",
      { type: "CreateRelationship", relationship_id: ORDERS_USER, from_table: ORDERS, from_columns: ["orders.id"], to_table: USERS, to_columns: ["users.id"], cardinality: "one_to_one" },
      "conflict",
    ],
    [
      "a relationship id taken by a table",
      { type: "CreateRelationship", relationship_id: USERS, from_table: ORDERS, from_columns: ["orders.id"], to_table: USERS, to_columns: ["users.id"], cardinality: "one_to_one" },
      "conflict",
    ],
  ];

  // SPEC: DOC-5, OP-1, OP-2, OP-8, OP-9, OP-10
  it.each(cases)("with %s throws and leaves the document byte-identical", (_name, input, code) => {
    const doc = usersAndOrders();
    const before = encoded(doc);
    const stateVector = Y.encodeStateVector(doc);
    let thrown: unknown;
    const origins = updatesDuring(doc, () => {
      try {
        applyOperation(doc, input, "me");
      } catch (error) {
        thrown = error;
      }
    });
    expect(thrown).toBeInstanceOf(OperationError);
    expect((thrown as OperationError).code).toBe(code);
    expect(origins).toEqual([]);
    expect(encoded(doc)).toEqual(before);
    expect(Y.encodeStateVector(doc)).toEqual(stateVector);
  });
});
