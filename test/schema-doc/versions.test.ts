import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { applyOperation, ElementVersions, readSchema, type ElementChange } from "../../src/schema-doc/index.ts";
import { ORDERS, ORDERS_USER, USERS, usersAndOrders } from "./fixtures.ts";
import { replica, syncInto } from "./replicas.ts";

function tracked(doc: Y.Doc): { versions: ElementVersions; changes: ElementChange[] } {
  const versions = new ElementVersions(doc);
  const changes: ElementChange[] = [];
  versions.on("change", (change) => void changes.push(change));
  return { versions, changes };
}

describe("ElementVersions", () => {
  // SPEC: DOC-8
  it("gives every element present when it attaches version 1", () => {
    const { versions } = tracked(usersAndOrders());
    expect(versions.current).toBe(1);
    expect([versions.versionOf(USERS), versions.versionOf(ORDERS), versions.versionOf(ORDERS_USER)]).toEqual([1, 1, 1]);
    expect(versions.versionOf("unknown")).toBe(0);
  });

  // SPEC: DOC-8
  it("bumps only the element a change touched", () => {
    const doc = usersAndOrders();
    const { versions, changes } = tracked(doc);
    applyOperation(doc, { type: "RenameTable", table_id: USERS, name: "people" }, "me");
    expect(changes).toEqual([{ changed: [USERS], deleted: [], origin: "me", version: 2 }]);
    expect([versions.versionOf(USERS), versions.versionOf(ORDERS), versions.versionOf(ORDERS_USER)]).toEqual([2, 1, 1]);
  });

  // SPEC: DOC-8
  it("counts a column change as a change of its table", () => {
    const doc = usersAndOrders();
    const { versions, changes } = tracked(doc);
    applyOperation(doc, { type: "UpdateColumn", table_id: ORDERS, column_id: "orders.id", column: { name: "pk" } }, "me");
    applyOperation(doc, { type: "AddColumn", table_id: ORDERS, column: { name: "total", type: "numeric" } }, "me");
    expect(changes.map((c) => c.changed)).toEqual([[ORDERS], [ORDERS]]);
    expect(versions.versionOf(ORDERS)).toBe(3);
    expect(versions.current).toBe(3);
  });

  // SPEC: DOC-8
  it("bumps the room counter once per transaction, however many elements changed", () => {
    const doc = usersAndOrders();
    const { versions, changes } = tracked(doc);
    applyOperation(doc, { type: "DeleteTable", table_id: USERS }, "me");
    expect(changes).toEqual([{ changed: [], deleted: [USERS, ORDERS_USER], origin: "me", version: 2 }]);
    expect(versions.versionOf(USERS)).toBe(0);
    applyOperation(doc, { type: "CreateTable", table_id: "new", name: "n", x: 0, y: 0 }, "me");
    expect(versions.versionOf("new")).toBe(3);
  });

  // SPEC: DOC-8
  it("counts changes merged from another replica, with their origin", () => {
    const server = usersAndOrders(replica(1));
    const client = replica(2);
    syncInto(client, server);
    const { versions, changes } = tracked(server);
    applyOperation(client, { type: "MoveColumn", table_id: USERS, column_id: "users.email", index: 0 }, "client");
    applyOperation(client, { type: "UpdateRelationship", relationship_id: ORDERS_USER, name: "fk" }, "client");
    syncInto(server, client, "remote");
    expect(changes).toEqual([{ changed: [USERS, ORDERS_USER], deleted: [], origin: "remote", version: 2 }]);
    expect(readSchema(server, (id) => versions.versionOf(id)).tables.map((t) => [t.id, t.version])).toEqual([
      [ORDERS, 1],
      [USERS, 2],
    ]);
  });

  it("ignores transactions that change no element", () => {
    const doc = usersAndOrders();
    const { versions, changes } = tracked(doc);
    doc.getMap("meta").set("name", "diagram");
    applyOperation(doc, { type: "RenameTable", table_id: USERS, name: "users" }, "me");
    expect(changes).toEqual([]);
    expect(versions.current).toBe(1);
  });

  it("stops listening once destroyed", () => {
    const doc = usersAndOrders();
    const { versions, changes } = tracked(doc);
    versions.destroy();
    applyOperation(doc, { type: "RenameTable", table_id: USERS, name: "people" }, "me");
    expect(changes).toEqual([]);
    expect(versions.versionOf(USERS)).toBe(1);
  });

  it("lets a listener unsubscribe", () => {
    const doc = usersAndOrders();
    const versions = new ElementVersions(doc);
    const seen: number[] = [];
    const unsubscribe = versions.on("change", (change) => void seen.push(change.version));
    applyOperation(doc, { type: "RenameTable", table_id: USERS, name: "a" }, "me");
    unsubscribe();
    applyOperation(doc, { type: "RenameTable", table_id: USERS, name: "b" }, "me");
    expect(seen).toEqual([2]);
    expect(versions.current).toBe(3);
  });
});
