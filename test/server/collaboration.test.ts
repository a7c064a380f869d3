import { describe, expect, it } from "vitest";
import { liveShareFixture } from "../helpers/fixture.ts";
import { applyOperation, readSchema } from "../../src/schema-doc/index.ts";
import { acknowledged, synced, type TestProvider } from "../helpers/provider.ts";
import { shapeOf } from "../helpers/schema.ts";
import { waitFor } from "../helpers/wait.ts";

const schemaOf = (p: TestProvider) => readSchema(p.doc);
const sameSchema = (a: TestProvider, b: TestProvider) => shapeOf(a.doc) === shapeOf(b.doc);

describe("two Yjs clients in one room", () => {
  const live = liveShareFixture();

  const connect = (roomId: string, token: string) => live.connect(roomId, token);

  // SPEC: DOC-INV-3
  it("converges on every graph operation made by either client", async () => {
    const server = await live.start();
    const { token, roomId } = await server.api.room();
    const [a, b] = [connect(roomId, token), connect(roomId, token)];
    await Promise.all([synced(a), synced(b)]);

    const { op: created } = applyOperation(a.doc, { type: "CreateTable", name: "users", x: 0, y: 0, columns: [{ name: "id", type: "uuid", primary_key: true }] }, "test");
    const tableId = (created as { table_id: string }).table_id;
    await waitFor(() => sameSchema(a, b), "table to reach b");
    applyOperation(b.doc, { type: "RenameTable", table_id: tableId, name: "accounts" }, "test");
    applyOperation(b.doc, { type: "MoveTable", table_id: tableId, x: 10, y: 20 }, "test");
    applyOperation(a.doc, { type: "AddColumn", table_id: tableId, column: { name: "email", type: "text" } }, "test");
    const { op: other } = applyOperation(a.doc, { type: "CreateTable", name: "orders", x: 5, y: 5, columns: [{ name: "user_id", type: "uuid" }] }, "test");
    const ordersId = (other as { table_id: string }).table_id;
    await waitFor(() => sameSchema(a, b), "edits to converge");
    const schema = schemaOf(b);
    const accounts = schema.tables.find((t) => t.id === tableId)!;
    expect(accounts.name).toBe("accounts");
    expect([accounts.x, accounts.y]).toEqual([10, 20]);
    expect(accounts.columns.map((c) => c.name)).toEqual(["id", "email"]);
    const orders = schema.tables.find((t) => t.id === ordersId)!;
    applyOperation(b.doc, {
      type: "CreateRelationship",
      from_table: ordersId,
      from_columns: [orders.columns[0]!.id],
      to_table: tableId,
      to_columns: [accounts.columns[0]!.id],
      cardinality: "one_to_many",
    }, "test");
    await waitFor(() => sameSchema(a, b) && schemaOf(a).relationships.length === 1, "relationship to converge");
  });

  // SPEC: DOC-INV-1
  it("removes a relationship whose table was deleted concurrently", async () => {
    const server = await live.start();
    const { token, roomId } = await server.api.room();
    const [a, b] = [connect(roomId, token), connect(roomId, token)];
    await Promise.all([synced(a), synced(b)]);
    const t1 = (applyOperation(a.doc, { type: "CreateTable", name: "a", x: 0, y: 0, columns: [{ name: "id", type: "int" }] }, "t").op as { table_id: string }).table_id;
    const t2 = (applyOperation(a.doc, { type: "CreateTable", name: "b", x: 0, y: 0, columns: [{ name: "a_id", type: "int" }] }, "t").op as { table_id: string }).table_id;
    await waitFor(() => sameSchema(a, b), "tables to reach b");
    await acknowledged(a);

    // b goes offline, links the tables; meanwhile a deletes one of them.
    b.provider.disconnect();
    const s = schemaOf(b);
    applyOperation(b.doc, {
      type: "CreateRelationship",
      from_table: t2,
      from_columns: [s.tables.find((t) => t.id === t2)!.columns[0]!.id],
      to_table: t1,
      to_columns: [s.tables.find((t) => t.id === t1)!.columns[0]!.id],
      cardinality: "one_to_many",
    }, "t");
    applyOperation(a.doc, { type: "DeleteTable", table_id: t1 }, "t");
    await acknowledged(a);
    await b.provider.connect();
    await waitFor(() => sameSchema(a, b) && schemaOf(a).tables.length === 1, "replicas to converge");
    expect(schemaOf(a).relationships).toEqual([]);
    expect(schemaOf(b).relationships).toEqual([]);
  });
});

describe("restart", () => {
  const live = liveShareFixture();

  for (const backend of ["postgres", "pglite"] as const) {
    // SPEC: DUR-9
    it(`keeps what was stored before a clean shutdown (${backend})`, async () => {
      const first = await live.start({}, { backend });
      const { token, roomId, diagramId } = await first.api.room();
      const p = live.connect(roomId, token);
      await synced(p);
      applyOperation(p.doc, { type: "CreateTable", name: "survivor", x: 1, y: 2 }, "t");
      await acknowledged(p);
      p.destroy();
      await first.liveshare.close();

      const second = await live.start({}, { db: first.db });
      const { status, body } = await second.api.request("GET", `/api/diagrams/${diagramId}/schema`, { token });
      expect(status).toBe(200);
      expect(body.tables.map((t: { name: string }) => t.name)).toEqual(["survivor"]);
      const q = await live.connectSynced(roomId, token);
      expect(readSchema(q.doc).tables.map((t) => t.name)).toEqual(["survivor"]);
    });
  }
});

