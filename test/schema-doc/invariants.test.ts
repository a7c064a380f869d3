import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import {
  applyOperation,
  findViolations,
  readSchema,
  readTable,
  relationshipsOf,
  repairAfterTransaction,
  repairInvariants,
  tablesOf,
} from "../../src/schema-doc/index.ts";
import { ORDERS, ORDERS_USER, USERS, usersAndOrders } from "./fixtures.ts";
import { encoded, replica, syncAll, syncInto } from "./replicas.ts";

const REPAIR = "repair";

/** Two replicas that start from the same users/orders diagram. */
function twoReplicas(): [Y.Doc, Y.Doc] {
  const a = usersAndOrders(replica(1));
  const b = replica(2);
  syncInto(b, a);
  return [a, b];
}

function repairBothAndSync(a: Y.Doc, b: Y.Doc): void {
  syncAll([a, b]);
  repairInvariants(a, REPAIR);
  repairInvariants(b, REPAIR);
  syncAll([a, b]);
}

describe("invariants after concurrent edits", () => {
  // SPEC: DOC-INV-1
  it("removes a relationship whose table was deleted concurrently", () => {
    const [a, b] = twoReplicas();
    applyOperation(a, { type: "DeleteTable", table_id: USERS }, "a");
    applyOperation(
      b,
      { type: "CreateRelationship", relationship_id: "new", from_table: USERS, from_columns: ["users.email"], to_table: ORDERS, to_columns: ["orders.id"], cardinality: "one_to_one" },
      "b",
    );
    syncAll([a, b]);
    expect(findViolations(a)).toEqual([{ kind: "dangling_relationship", relationship_id: "new" }]);
    repairBothAndSync(a, b);
    expect(readSchema(a)).toEqual(readSchema(b));
    expect(encoded(a)).toEqual(encoded(b));
    expect(readSchema(a).relationships).toEqual([]);
    expect(findViolations(a)).toEqual([]);
  });

  // SPEC: DOC-INV-1
  it("removes a relationship whose column was deleted concurrently", () => {
    const [a, b] = twoReplicas();
    applyOperation(a, { type: "DeleteColumn", table_id: USERS, column_id: "users.email" }, "a");
    applyOperation(b, { type: "UpdateRelationship", relationship_id: ORDERS_USER, to_columns: ["users.email"] }, "b");
    repairBothAndSync(a, b);
    expect(readSchema(a)).toEqual(readSchema(b));
    expect(readSchema(a).relationships).toEqual([]);
  });

  // SPEC: DOC-INV-2
  it("keeps exactly one column when two replicas add the same column id", () => {
    const [a, b] = twoReplicas();
    applyOperation(a, { type: "AddColumn", table_id: USERS, column: { id: "dup", name: "from_a", type: "int" } }, "a");
    applyOperation(b, { type: "AddColumn", table_id: USERS, column: { id: "dup", name: "from_b", type: "text" } }, "b");
    syncAll([a, b]);
    expect(findViolations(a)).toEqual([{ kind: "duplicate_column", table_id: USERS, column_id: "dup", index: 3 }]);
    repairBothAndSync(a, b);
    const columns = readTable(a, USERS)?.columns ?? [];
    expect(columns.filter((c) => c.id === "dup")).toHaveLength(1);
    expect(readSchema(a)).toEqual(readSchema(b));
    expect(encoded(a)).toEqual(encoded(b));
  });

  // SPEC: DOC-INV-2
  it("keeps one copy of a column that two replicas moved at once", () => {
    const [a, b] = twoReplicas();
    applyOperation(a, { type: "MoveColumn", table_id: USERS, column_id: "users.id", index: 1 }, "a");
    applyOperation(b, { type: "MoveColumn", table_id: USERS, column_id: "users.id", index: 1 }, "b");
    repairBothAndSync(a, b);
    expect(readTable(a, USERS)?.columns.map((c) => c.id)).toEqual(["users.email", "users.id"]);
    expect(readSchema(a)).toEqual(readSchema(b));
  });
});

describe("repairInvariants", () => {
  // SPEC: DOC-INV-3
  it("does nothing, and opens no transaction, on a valid document", () => {
    const doc = usersAndOrders();
    const before = encoded(doc);
    let transactions = 0;
    doc.on("afterTransaction", () => void (transactions += 1));
    expect(repairInvariants(doc, REPAIR)).toBe(0);
    expect(transactions).toBe(0);
    expect(encoded(doc)).toEqual(before);
  });

  // SPEC: DOC-INV-3
  it("is idempotent", () => {
    const doc = usersAndOrders();
    doc.transact(() => {
      tablesOf(doc).delete(USERS);
      relationshipsOf(doc).set("garbage", 1);
    });
    expect(repairInvariants(doc, REPAIR)).toBe(2);
    const after = encoded(doc);
    expect(repairInvariants(doc, REPAIR)).toBe(0);
    expect(encoded(doc)).toEqual(after);
  });

  // SPEC: DOC-INV-2
  it("removes every later copy of a repeated column id, keeping the first", () => {
    const doc = usersAndOrders();
    const columns = tablesOf(doc).get(ORDERS) as Y.Map<unknown>;
    const array = columns.get("columns") as Y.Array<Y.Map<unknown>>;
    array.push([new Y.Map<unknown>([["id", "orders.id"], ["name", "second"]]), new Y.Map<unknown>([["id", "orders.id"], ["name", "third"]])]);
    expect(repairInvariants(doc, REPAIR)).toBe(2);
    expect(readTable(doc, ORDERS)?.columns.map((c) => c.name)).toEqual(["id", "user_id"]);
  });
});

describe("repairAfterTransaction", () => {
  /** A server-side replica that repairs after every merged update, as the Hocuspocus extension does. */
  function guardedReplica(): Y.Doc {
    const doc = replica(3);
    doc.on("afterTransaction", (transaction: Y.Transaction) => {
      if (transaction.origin !== REPAIR) repairAfterTransaction(doc, transaction, REPAIR);
    });
    return doc;
  }

  // SPEC: DOC-INV-1
  it("repairs a merged update that leaves a relationship dangling", () => {
    const [a, b] = twoReplicas();
    const server = guardedReplica();
    syncInto(server, a);
    applyOperation(a, { type: "DeleteTable", table_id: USERS }, "a");
    applyOperation(
      b,
      { type: "CreateRelationship", relationship_id: "new", from_table: USERS, from_columns: ["users.id"], to_table: ORDERS, to_columns: ["orders.id"], cardinality: "one_to_one" },
      "b",
    );
    syncInto(server, a);
    syncInto(server, b);
    expect(readSchema(server).relationships).toEqual([]);
    expect(findViolations(server)).toEqual([]);
  });

  // SPEC: DOC-INV-2
  it("repairs duplicate columns arriving from two clients", () => {
    const [a, b] = twoReplicas();
    const server = guardedReplica();
    syncInto(server, a);
    applyOperation(a, { type: "AddColumn", table_id: ORDERS, column: { id: "dup", name: "x", type: "int" } }, "a");
    applyOperation(b, { type: "AddColumn", table_id: ORDERS, column: { id: "dup", name: "y", type: "int" } }, "b");
    syncInto(server, a);
    syncInto(server, b);
    expect(readTable(server, ORDERS)?.columns.filter((c) => c.id === "dup")).toHaveLength(1);
    expect(findViolations(server)).toEqual([]);
  });

  // What a raw Yjs client can do that no operation does: change a column's id, or replace a table's column array.
  /** A guarded server holding the users/orders diagram, and a raw Yjs client synced with it. */
  function serverAndClient(): [Y.Doc, Y.Doc] {
    const server = guardedReplica();
    syncInto(server, usersAndOrders(replica(1)));
    const client = replica(4);
    syncInto(client, server);
    return [server, client];
  }

  it("repairs a column whose id a client changed to one its table already has", () => {
    const [server, client] = serverAndClient();
    const orders = tablesOf(client).get(ORDERS) as Y.Map<unknown>;
    (orders.get("columns") as Y.Array<Y.Map<unknown>>).get(1).set("id", "orders.id");
    syncInto(server, client);
    expect(readTable(server, ORDERS)?.columns.map((c) => c.id)).toEqual(["orders.id"]);
    // The relationship named the column that is gone.
    expect(readSchema(server).relationships).toEqual([]);
    expect(findViolations(server)).toEqual([]);
  });

  it("repairs a table whose column array a client replaced with one that repeats an id", () => {
    const [server, client] = serverAndClient();
    const columns = new Y.Array<Y.Map<unknown>>();
    const column = (name: string) => new Y.Map<unknown>([["id", "users.id"], ["name", name], ["type", "uuid"]]);
    columns.push([column("id"), column("again")]);
    (tablesOf(client).get(USERS) as Y.Map<unknown>).set("columns", columns);
    syncInto(server, client);
    expect(readTable(server, USERS)?.columns.map((c) => c.name)).toEqual(["id"]);
    expect(findViolations(server)).toEqual([]);
  });

  it("does not look into a table that was only moved or renamed: those cannot break an invariant", () => {
    const doc = usersAndOrders();
    // A duplicate column no transaction noticed: a move or a rename of its table leaves it to a full repair.
    const users = tablesOf(doc).get(USERS) as Y.Map<unknown>;
    doc.transact(() => (users.get("columns") as Y.Array<Y.Map<unknown>>).push([new Y.Map<unknown>([["id", "users.id"]])]));
    let repaired = -1;
    const listener = (transaction: Y.Transaction): void => {
      repaired = repairAfterTransaction(doc, transaction, REPAIR);
    };
    doc.on("afterTransaction", listener);
    applyOperation(doc, { type: "MoveTable", table_id: USERS, x: 10, y: 20 }, "me");
    expect(repaired).toBe(0);
    applyOperation(doc, { type: "RenameTable", table_id: USERS, name: "people" }, "me");
    expect(repaired).toBe(0);
    doc.off("afterTransaction", listener);
    expect(findViolations(doc)).toEqual([{ kind: "duplicate_column", table_id: USERS, column_id: "users.id", index: 2 }]);
  });

  it("ignores what the transaction did not touch", () => {
    const doc = usersAndOrders();
    // Broken without any transaction noticing: only a full repair would find it.
    doc.transact(() => relationshipsOf(doc).set("stale", new Y.Map<unknown>([["from_table", "gone"]])));
    let repaired = -1;
    const listener = (transaction: Y.Transaction): void => {
      repaired = repairAfterTransaction(doc, transaction, REPAIR);
    };
    doc.on("afterTransaction", listener);
    applyOperation(doc, { type: "RenameTable", table_id: USERS, name: "people" }, "me");
    doc.off("afterTransaction", listener);
    expect(repaired).toBe(0);
    expect(findViolations(doc)).toEqual([{ kind: "dangling_relationship", relationship_id: "stale" }]);
  });
});
