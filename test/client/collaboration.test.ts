import { describe, expect, it } from "vitest";
import type { DiagramChange } from "../../src/client/index.ts";
import { OperationError, ReadOnlyError } from "../../src/client/index.ts";
import { liveShareFixture } from "../helpers/fixture.ts";
import { waitFor } from "../helpers/wait.ts";
import { liveShareClients, settled, tableNames } from "./clients.ts";

describe("LiveShareClient: joining and editing", () => {
  const live = liveShareFixture();
  const clients = liveShareClients(live);

  // SPEC: CLIENT-1, CLIENT-4
  it("joins a room, reaches synced with its role, and reads the diagram the server stores", async () => {
    const server = await live.start();
    const { token, roomId, diagramId } = await server.api.room("ada");
    const ada = clients.join(server.wsUrl, roomId, { token });
    await settled(ada);
    expect(ada.status).toMatchObject({ connection: "synced", unsyncedChanges: 0, readOnly: false });
    await waitFor(() => ada.status.role === "owner", "role from the server");

    const [created] = ada.apply([{ type: "CreateTable", name: "users", x: 10, y: 20, columns: [{ name: "id", type: "uuid", primary_key: true }] }]);
    await settled(ada);
    const stored = await server.api.request("GET", `/api/diagrams/${diagramId}/schema`, { token });
    expect(stored.body.tables.map((t: { id: string; name: string }) => [t.id, t.name])).toEqual([[created!.type === "CreateTable" && created.table_id, "users"]]);
    expect(ada.diagram().tables[0]).toMatchObject({ name: "users", x: 10, y: 20, columns: [{ name: "id", type: "uuid", primary_key: true, nullable: true }] });
  });

  // SPEC: CLIENT-1
  it("two clients converge, and each change says what changed and whether it was local", async () => {
    const server = await live.start();
    const { token, roomId } = await server.api.room("ada");
    const bob = await server.api.login("bob");
    await server.api.request("PUT", `/api/diagrams/${(await server.api.request("GET", `/api/liveshare/sessions/${roomId}`, { token })).body.diagram_id}/shares/${bob.userId}`, { token, body: { permission: "edit" } });
    const a = clients.join(server.wsUrl, roomId, { token });
    const b = clients.join(server.wsUrl, roomId, { token: bob.token });
    await Promise.all([settled(a), settled(b)]);
    const seenByA: DiagramChange[] = [];
    const seenByB: DiagramChange[] = [];
    a.on("change", (c) => seenByA.push(c));
    b.on("change", (c) => seenByB.push(c));

    const [op] = a.apply([{ type: "CreateTable", name: "orders", x: 0, y: 0, columns: [{ name: "id", type: "int" }] }]);
    const tableId = op!.type === "CreateTable" ? op!.table_id! : "";
    await waitFor(() => tableNames(b).includes("orders"), "b sees a's table");
    const columnId = b.table(tableId)!.columns[0]!.id;
    b.apply({ type: "RenameTable", table_id: tableId, name: "purchases" });
    b.apply({ type: "AddColumn", table_id: tableId, column: { name: "total", type: "numeric" } });
    await waitFor(() => a.table(tableId)?.columns.length === 2 && a.table(tableId)?.name === "purchases", "a sees b's edits");
    // The diagram's name (meta.name, which a rename sets) is reported too.
    const names: (string | undefined)[] = [];
    a.on("name", (name) => names.push(name));
    b.doc.getMap("meta").set("name", "Shop");
    await waitFor(() => a.name === "Shop", "a sees the new name");
    expect(names).toEqual(["Shop"]);
    await Promise.all([settled(a), settled(b)]);

    expect(a.diagram().tables.map(({ version: _v, ...t }) => t)).toEqual(b.diagram().tables.map(({ version: _v, ...t }) => t));
    expect(seenByA[0]).toEqual({
      origin: "local",
      tables: { added: [tableId], updated: [], removed: [] },
      columns: { added: [`${tableId}/${columnId}`], updated: [], removed: [] },
      relationships: { added: [], updated: [], removed: [] },
    });
    expect(seenByB[0]).toMatchObject({ origin: "remote", tables: { added: [tableId] } });
    const addedColumn = a.table(tableId)!.columns[1]!.id;
    // b's two edits may reach a in one update or two; together they are one rename and one new column.
    const remote = seenByA.filter((c) => c.origin === "remote");
    expect(new Set(remote.flatMap((c) => c.tables.updated))).toEqual(new Set([tableId]));
    expect(remote.flatMap((c) => c.columns.added)).toEqual([`${tableId}/${addedColumn}`]);
    expect(remote.flatMap((c) => [...c.tables.added, ...c.tables.removed, ...c.columns.removed, ...c.columns.updated])).toEqual([]);
  });

  // SPEC: CLIENT-2, CLIENT-3
  it("applies a batch as one change, and a batch with an invalid operation changes nothing", async () => {
    const server = await live.start();
    const { token, roomId } = await server.api.room("ada");
    const ada = clients.join(server.wsUrl, roomId, { token });
    await settled(ada);
    const changes: DiagramChange[] = [];
    ada.on("change", (c) => changes.push(c));

    const tableId = "7b0c7d0e-56d8-4b8e-9b3a-3f3d1f6c1a01";
    ada.apply([
      { type: "CreateTable", table_id: tableId, name: "a", x: 0, y: 0 },
      { type: "AddColumn", table_id: tableId, column: { name: "id", type: "int" } },
    ]);
    expect(changes).toHaveLength(1);
    expect(ada.canUndo).toBe(true);

    const before = ada.diagram();
    let error: unknown;
    try {
      ada.apply([
        { type: "RenameTable", table_id: tableId, name: "renamed" },
        { type: "DeleteTable", table_id: "no-such-table" },
      ]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OperationError);
    expect((error as OperationError).code).toBe("not_found");
    expect(ada.diagram()).toBe(before);
    expect(changes).toHaveLength(1);
    expect(() => ada.apply({ type: "RenameTable", table_id: tableId, name: "" })).toThrow(OperationError);

    // The batch is one undo step: the table and its column go together.
    expect(ada.undo()).toBe(true);
    expect(ada.diagram().tables).toEqual([]);
    expect(ada.canUndo).toBe(false);
  });

  // SPEC: CLIENT-2, CLIENT-4
  it("a viewer is read-only: apply refuses with ReadOnlyError and nothing is sent", async () => {
    const server = await live.start();
    const { token, roomId, diagramId } = await server.api.room("ada");
    const viewer = await server.api.login("vera");
    await server.api.request("PUT", `/api/diagrams/${diagramId}/shares/${viewer.userId}`, { token, body: { permission: "view" } });
    const vera = clients.join(server.wsUrl, roomId, { token: viewer.token });
    await settled(vera);
    await waitFor(() => vera.status.role === "viewer", "viewer role");
    expect(vera.status.readOnly).toBe(true);
    expect(() => vera.apply({ type: "CreateTable", name: "x", x: 0, y: 0 })).toThrow(ReadOnlyError);
    expect(vera.diagram().tables).toEqual([]);
  });
});
