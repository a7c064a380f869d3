import * as Y from "yjs";
import { beforeAll, describe, expect, it } from "vitest";
import { warmParsers } from "./helpers.ts";
import { OriginKind, serverEdit } from "../../src/origins.ts";
import { readSchema, tablesOf } from "../../src/schema-doc/index.ts";
import { liveShareFixture } from "../helpers/fixture.ts";
import { synced } from "../helpers/provider.ts";
import { waitFor } from "../helpers/wait.ts";
import { largeDdl } from "./large-ddl.ts";

const SHOP_V1 = `
CREATE TABLE customer (id bigint PRIMARY KEY, email text NOT NULL UNIQUE, name text);
CREATE TABLE "order" (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customer(id) ON DELETE CASCADE, total numeric(12,2));
CREATE VIEW big_orders AS SELECT * FROM "order" WHERE total > 100;
`;
/** The same shop a release later: a column renamed away, one added, a table added. */
const SHOP_V2 = `
CREATE TABLE customer (id bigint PRIMARY KEY, email varchar(320) NOT NULL UNIQUE, full_name text, created_at timestamptz DEFAULT now());
CREATE TABLE "order" (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customer(id) ON DELETE CASCADE, total numeric(12,2));
CREATE TABLE invoice (id bigint PRIMARY KEY, order_id bigint NOT NULL);
ALTER TABLE invoice ADD CONSTRAINT invoice_order FOREIGN KEY (order_id) REFERENCES "order"(id);
`;


beforeAll(warmParsers, 120_000);

describe("POST /api/diagrams/:id/import", () => {
  const live = liveShareFixture();

  // SPEC: REST-18
  it("applies a 500-table DDL file as one change that every connected client receives, durable before the answer", async () => {
    const server = await live.start();
    const { token, diagramId, roomId } = await server.api.room();
    const clients = [live.connect(roomId, token), live.connect(roomId, token)];
    for (const client of clients) await synced(client);
    const updates = clients.map((client) => {
      let count = 0;
      client.doc.on("update", () => count++);
      return () => count;
    });

    const { status, body } = await server.api.request("POST", `/api/diagrams/${diagramId}/import`, { token, body: { format: "postgres", source: largeDdl(500), mode: "merge" } });
    expect(status).toBe(200);
    expect(body.tables.added).toHaveLength(500);
    expect(body.relationships.added).toBeGreaterThan(900);

    // Durable before the answer: the stored document (state + log) already holds it.
    const stored = await server.liveshare.core.documents.load(diagramId);
    const doc = new Y.Doc();
    Y.applyUpdate(doc, stored.update!);
    expect(tablesOf(doc).size).toBe(500);

    for (const client of clients) await waitFor(() => tablesOf(client.doc).size === 500, "the import to arrive", 30_000);
    expect(updates.map((count) => count())).toEqual([1, 1]);
    const boxes = readSchema(clients[0]!.doc).tables.map((t) => ({ x: t.x, y: t.y, h: 40 + 28 * Math.max(1, t.columns.length) }));
    const overlapping = boxes.filter((a, i) => boxes.some((b, j) => i < j && a.x < b.x + 260 && b.x < a.x + 260 && a.y < b.y + b.h && b.y < a.y + a.h));
    expect(overlapping).toEqual([]);
  });

  // SPEC: REST-18
  it("keeps the ids of tables and columns that match by name when an evolved schema is merged", async () => {
    const server = await live.start();
    const { token, diagramId, roomId } = await server.api.room();
    const first = await server.api.request("POST", `/api/diagrams/${diagramId}/import`, { token, body: { format: "postgres", source: SHOP_V1 } });
    expect(first.body.skipped).toEqual([{ line: 4, statement: "CREATE VIEW big_orders AS", reason: "views are not part of the diagram" }]);
    const before = (await server.api.request("GET", `/api/diagrams/${diagramId}/schema`, { token })).body;
    const customerBefore = before.tables.find((t: { name: string }) => t.name === "customer");
    const client = live.connect(roomId, token);
    await synced(client);

    const { status, body } = await server.api.request("POST", `/api/diagrams/${diagramId}/import`, { token, body: { format: "postgres", source: SHOP_V2, mode: "merge" } });
    expect(status).toBe(200);
    expect(body.tables).toEqual({ added: ["invoice"], changed: ["customer"], kept: ["order"], removed: [] });
    // customer: full_name and created_at added, email's type changed, id kept, name removed; order: 3 kept; invoice: 2 added.
    expect(body.columns).toEqual({ added: 4, changed: 1, kept: 4, removed: 1 });
    expect(body.relationships).toEqual({ added: 1, changed: 0, kept: 1, removed: 0 });

    const after = (await server.api.request("GET", `/api/diagrams/${diagramId}/schema`, { token })).body;
    const customer = after.tables.find((t: { name: string }) => t.name === "customer");
    expect(customer.id).toBe(customerBefore.id);
    expect([customer.x, customer.y]).toEqual([customerBefore.x, customerBefore.y]);
    const idOf = (table: { columns: { name: string; id: string }[] }, name: string) => table.columns.find((c) => c.name === name)?.id;
    expect(idOf(customer, "id")).toBe(idOf(customerBefore, "id"));
    expect(idOf(customer, "email")).toBe(idOf(customerBefore, "email"));
    expect(customer.columns.map((c: { name: string }) => c.name)).toEqual(["id", "email", "full_name", "created_at"]);
    expect(after.relationships.map((r: { id: string }) => r.id)).toContain(before.relationships[0].id);
    await waitFor(() => readSchema(client.doc).tables.length === 3, "the merge to arrive");
  });

  it("replace removes what the source does not declare", async () => {
    const server = await live.start();
    const { token, diagramId } = await server.api.room();
    await server.api.request("POST", `/api/diagrams/${diagramId}/import`, { token, body: { format: "postgres", source: SHOP_V2 } });
    const { body } = await server.api.request("POST", `/api/diagrams/${diagramId}/import`, { token, body: { format: "dbml", source: "Table customer {\n  id bigint [pk]\n}\n", mode: "replace" } });
    expect({ ...body.tables, removed: body.tables.removed.sort() }).toEqual({ added: [], changed: ["customer"], kept: [], removed: ["invoice", "order"] });
    const schema = (await server.api.request("GET", `/api/diagrams/${diagramId}/schema`, { token })).body;
    expect(schema.tables.map((t: { name: string }) => t.name)).toEqual(["customer"]);
    expect(schema.relationships).toEqual([]);
  });

  // SPEC: REST-18
  it("answers a source that does not parse with 400, its line and column, and changes nothing", async () => {
    const server = await live.start();
    const { token, diagramId, roomId } = await server.api.room();
    await server.api.request("POST", `/api/diagrams/${diagramId}/import`, { token, body: { format: "postgres", source: SHOP_V1 } });
    const client = live.connect(roomId, token);
    await synced(client);
    let updates = 0;
    client.doc.on("update", () => updates++);
    const source = "CREATE TABLE a (\n  id int PRIMARY KEY,\n  x int NOT NULL DEFAULT,\n);";
    const at = async (format: string) => (await server.api.request("POST", `/api/diagrams/${diagramId}/import`, { token, body: { format, source, mode: "replace" } })).body.error;
    // The comma after DEFAULT (line 3, column 25) is where the parsers stop.
    expect(await at("postgres")).toMatchObject({ code: "parse_error", line: 3, column: 25 });
    expect(await at("mysql")).toMatchObject({ code: "parse_error", line: 3, column: 25 });
    expect(await at("sqlite")).toMatchObject({ code: "parse_error", line: 3, column: 25 });
    // The T-SQL parser fails there without a position: the statement it fails in is named instead.
    expect(await at("mssql")).toMatchObject({ code: "parse_error", line: 1, column: 1 });
    const dbml = await server.api.request("POST", `/api/diagrams/${diagramId}/import`, { token, body: { format: "dbml", source: "Table a {\n  id int [pk\n}\n", mode: "replace" } });
    expect(dbml.body.error).toMatchObject({ code: "parse_error", line: 3, column: 1 });
    const schema = (await server.api.request("GET", `/api/diagrams/${diagramId}/schema`, { token })).body;
    expect(schema.tables.map((t: { name: string }) => t.name).sort()).toEqual(["customer", "order"]);
    expect(updates).toBe(0);
  });

  it("is for owners and editors; bad requests get clear errors", async () => {
    const server = await live.start();
    const { token, diagramId } = await server.api.room();
    const viewer = await server.api.login("viewer");
    await server.api.request("PUT", `/api/diagrams/${diagramId}/shares/${viewer.userId}`, { token, body: { permission: "view" } });
    const body = { format: "postgres", source: SHOP_V1 };
    expect((await server.api.request("POST", `/api/diagrams/${diagramId}/import`, { token: viewer.token, body })).status).toBe(403);
    expect((await server.api.request("GET", `/api/diagrams/${diagramId}/export?format=postgres`, { token: viewer.token })).status).toBe(200);
    const stranger = await server.api.login("stranger");
    expect((await server.api.request("GET", `/api/diagrams/${diagramId}/export?format=dbml`, { token: stranger.token })).status).toBe(403);
    const badFormat = await server.api.request("POST", `/api/diagrams/${diagramId}/import`, { token, body: { format: "oracle", source: "x" } });
    expect(badFormat).toMatchObject({ status: 400, body: { error: { code: "validation_failed" } } });
    expect((await server.api.request("GET", `/api/diagrams/${diagramId}/export?format=excel`, { token })).status).toBe(400);
    expect((await server.api.request("POST", "/api/diagrams/not-a-uuid/import", { token, body })).status).toBe(400);
  });

  it("imports into a diagram without an active session, and a session started later shows it", async () => {
    const server = await live.start();
    const { token } = await server.api.login("owner");
    const diagramId = await server.api.createDiagram(token);
    const { status, body } = await server.api.request("POST", `/api/diagrams/${diagramId}/import`, { token, body: { format: "postgres", source: SHOP_V1 } });
    expect(status).toBe(200);
    expect(body.tables.added).toEqual(["customer", "order"]);
    const roomId = await server.api.startSession(token, diagramId);
    const client = live.connect(roomId, token);
    await synced(client);
    expect(readSchema(client.doc).tables.map((t) => t.name).sort()).toEqual(["customer", "order"]);
  });
});

describe("GET /api/diagrams/:id/export and /diff", () => {
  const live = liveShareFixture();

  // SPEC: REST-19
  it("exports the live diagram in every format", async () => {
    const server = await live.start();
    const { token, diagramId } = await server.api.room();
    await server.api.request("POST", `/api/diagrams/${diagramId}/import`, { token, body: { format: "postgres", source: SHOP_V2 } });
    const get = (format: string) => fetch(`${server.httpUrl}/api/diagrams/${diagramId}/export?format=${format}`, { headers: { authorization: `Bearer ${token}` } });
    const postgres = await get("postgres");
    expect(postgres.headers.get("content-type")).toMatch(/^text\/plain/);
    const ddl = await postgres.text();
    // Dependency order: customer before "order" before invoice; "order" is a reserved word.
    expect(ddl.indexOf("CREATE TABLE customer")).toBeLessThan(ddl.indexOf('CREATE TABLE "order"'));
    expect(ddl.indexOf('CREATE TABLE "order"')).toBeLessThan(ddl.indexOf("CREATE TABLE invoice"));
    expect(await (await get("mysql")).text()).toContain("CREATE TABLE `order`");
    expect(await (await get("mssql")).text()).toContain("CREATE TABLE [order]");
    expect(await (await get("sqlite")).text()).toContain('CREATE TABLE "order"');
    expect(await (await get("dbml")).text()).toContain("Ref invoice_order: invoice.order_id > order.id");
    const json = await (await get("json")).json();
    expect(json.tables.map((t: { name: string }) => t.name).sort()).toEqual(["customer", "invoice", "order"]);
  });

  // SPEC: REST-20
  it("diffs a snapshot against the live diagram: a rename is a rename, and the migration says so", async () => {
    const server = await live.start();
    const { token, diagramId, roomId } = await server.api.room();
    // A connected client keeps the room loaded.
    await synced(live.connect(roomId, token));
    await server.api.request("POST", `/api/diagrams/${diagramId}/import`, { token, body: { format: "postgres", source: SHOP_V1 } });
    const core = server.liveshare.core;
    const snapshot = await core.snapshots.take(roomId, core.rooms.get(roomId)!, "interval");
    // Rename "customer" to "client" in the live document, as an editor would.
    const document = core.rooms.get(roomId)!;
    const customer = [...tablesOf(document).values()].find((t) => (t as Y.Map<unknown>).get("name") === "customer") as Y.Map<unknown>;
    document.transact(() => customer.set("name", "client"), serverEdit(OriginKind.Json));
    await server.api.request("POST", `/api/diagrams/${diagramId}/import`, { token, body: { format: "postgres", source: "CREATE TABLE refund (id bigint PRIMARY KEY);" } });

    const diff = await server.api.request("GET", `/api/diagrams/${diagramId}/diff?from=${snapshot!.id}&to=live`, { token });
    expect(diff.status).toBe(200);
    expect(diff.body.tables.renamed).toEqual([{ id: customer.get("id"), from: "customer", to: "client" }]);
    expect(diff.body.tables.added.map((t: { name: string }) => t.name)).toEqual(["refund"]);
    const sql = await server.api.request("GET", `/api/diagrams/${diagramId}/diff?from=${snapshot!.id}&format=postgres`, { token });
    expect(sql.body).toContain("ALTER TABLE customer RENAME TO client;");
    expect(sql.body).not.toContain("DROP TABLE");
    const missing = await server.api.request("GET", `/api/diagrams/${diagramId}/diff?from=${crypto.randomUUID()}`, { token });
    expect(missing.status).toBe(404);
  });
});
