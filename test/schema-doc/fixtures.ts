/** A small diagram most tests start from: users <- orders, with fixed ids. */
import * as Y from "yjs";
import { applyOperation } from "../../src/schema-doc/index.ts";

export const USERS = "users";
export const ORDERS = "orders";
export const ORDERS_USER = "orders-user";

/** users(id, email), orders(id, user_id) and the relationship orders.user_id -> users.id. */
export function usersAndOrders(doc: Y.Doc = new Y.Doc()): Y.Doc {
  applyOperation(
    doc,
    {
      type: "CreateTable",
      table_id: USERS,
      name: "users",
      x: 0,
      y: 0,
      columns: [
        { id: "users.id", name: "id", type: "uuid", nullable: false, primary_key: true },
        { id: "users.email", name: "email", type: "text", unique: true },
      ],
    },
    "fixture",
  );
  applyOperation(
    doc,
    {
      type: "CreateTable",
      table_id: ORDERS,
      name: "orders",
      x: 400,
      y: 0,
      columns: [
        { id: "orders.id", name: "id", type: "uuid", nullable: false, primary_key: true },
        { id: "orders.user_id", name: "user_id", type: "uuid" },
      ],
    },
    "fixture",
  );
  applyOperation(
    doc,
    {
      type: "CreateRelationship",
      relationship_id: ORDERS_USER,
      from_table: ORDERS,
      from_columns: ["orders.user_id"],
      to_table: USERS,
      to_columns: ["users.id"],
      cardinality: "one_to_many",
    },
    "fixture",
  );
  return doc;
}
