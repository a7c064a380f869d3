import { beforeAll, describe, expect, it } from "vitest";
import { warmParsers } from "./helpers.ts";
import { readSchema } from "../../src/schema-doc/index.ts";
import { liveShareFixture } from "../helpers/fixture.ts";
import { waitFor } from "../helpers/wait.ts";

const SHOP = `CREATE TABLE customer (id bigint PRIMARY KEY, email text NOT NULL UNIQUE);
CREATE TABLE "order" (id bigint PRIMARY KEY, customer_id bigint REFERENCES customer(id) ON DELETE CASCADE);
CREATE VIEW v AS SELECT 1;`;


beforeAll(warmParsers, 120_000);

describe("Import over the JSON protocol", () => {
  const live = liveShareFixture();
  const join = (token: string, roomId: string) => live.join(roomId, token);

  // SPEC: REST-18
  it("applies DDL as one change that JSON and Yjs clients receive, and answers ImportApplied once durable", async () => {
    const server = await live.start();
    const { token, roomId } = await server.api.room();
    const importer = await join(token, roomId);
    const watcher = await join(token, roomId);
    const provider = await live.connectSynced(roomId, token);
    let updates = 0;
    provider.doc.on("update", () => updates++);

    importer.send({ type: "Import", format: "postgres", source: SHOP, mode: "merge", request_id: "i1" });
    const applied = await importer.next("ImportApplied");
    expect(applied).toMatchObject({ request_id: "i1", mode: "merge", tables: { added: ["customer", "order"] }, relationships: { added: 1 } });
    expect(applied.skipped).toEqual([{ line: 3, statement: "CREATE VIEW v AS", reason: "views are not part of the diagram" }]);
    await waitFor(() => watcher.schema().tables.length === 2 && watcher.schema().relationships.length === 1, "the import at the other JSON client");
    await waitFor(() => readSchema(provider.doc).tables.length === 2, "the import at the Yjs client");
    expect(updates).toBe(1);
  });

  it("answers a source that does not parse with parse_error, line and column, and changes nothing", async () => {
    const server = await live.start();
    const { token, roomId } = await server.api.room();
    const client = await join(token, roomId);
    client.send({ type: "Import", format: "mysql", source: "CREATE TABLE a (\n  id int PRIMARY KEY,\n  x int NOT NULL DEFAULT,\n);", request_id: 7 });
    expect(await client.next("Error", (m) => m.request_id === 7)).toMatchObject({ code: "parse_error", line: 3, column: 25 });
    expect(readSchema(server.liveshare.core.rooms.get(roomId)!).tables).toEqual([]);
  });

  it("refuses a viewer's import", async () => {
    const server = await live.start();
    const { token, diagramId, roomId } = await server.api.room();
    const viewer = await server.api.login("viewer");
    await server.api.request("PUT", `/api/diagrams/${diagramId}/shares/${viewer.userId}`, { token, body: { permission: "view" } });
    const client = await join(viewer.token, roomId);
    client.send({ type: "Import", format: "dbml", source: "Table a {\n  id int [pk]\n}\n", request_id: "v" });
    expect(await client.next("Error", (m) => m.request_id === "v")).toMatchObject({ code: "read_only" });
  });
});
