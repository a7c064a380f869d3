/**
 * The JSON protocol over real sockets: the connection lifecycle (docs/SPEC.md JSON-3 to JSON-6), version
 * deltas, full syncs (on join, on reconnect, on request, periodic) and snapshot recovery.
 */
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { OriginKind, serverEdit } from "../../src/origins.ts";
import { PROTOCOL_VERSION } from "../../src/json-protocol/messages.ts";
import { applyOperation, buildDiagram, readSchema } from "../../src/schema-doc/index.ts";
import { liveShareFixture } from "../helpers/fixture.ts";
import { waitFor } from "../helpers/wait.ts";

/** Edits made in the live document on the server side (as an import's, without a user). */
const SERVER_EDIT = serverEdit(OriginKind.Import);

describe("JSON protocol lifecycle", () => {
  const live = liveShareFixture();
  const join = (token: string, roomId: string) => live.join(roomId, token);
  const documentOf = (roomId: string) => {
    const document = live.server.liveshare.core.rooms.get(roomId);
    if (!document) throw new Error("room not loaded");
    return document;
  };

  // SPEC: JSON-3
  it("answers Auth with AuthSuccess, then the full GraphState, then RoomInfo", async () => {
    const server = await live.start();
    const { token, userId, roomId } = await server.api.room();
    const client = await join(token, roomId);
    expect(client.messages.slice(0, 3).map((m) => m.type)).toEqual(["AuthSuccess", "GraphState", "RoomInfo"]);
    expect(client.all("AuthSuccess")[0]).toEqual({ type: "AuthSuccess", user_id: userId, room_id: roomId, protocol_version: PROTOCOL_VERSION, role: "owner", read_only: false });
    expect(client.all("GraphState")[0]).toMatchObject({ full: true, target_user_id: userId, state: { tables: [], relationships: [] }, deleted: [] });
    const info = client.all("RoomInfo")[0]!;
    expect(info.room_id).toBe(roomId);
    expect(info.users.map((u) => u.user_id)).toEqual([userId]);
    expect(client.malformed).toEqual([]);
  });

  // SPEC: JSON-9, OP-4
  it("answers a GraphOp with OpApplied carrying generated ids and the resulting element, stored durably", async () => {
    const server = await live.start();
    const { token, roomId, diagramId } = await server.api.room();
    const client = await join(token, roomId);
    const answer = await client.op({ type: "CreateTable", name: "users", x: 10, y: 20, columns: [{ name: "id", type: "uuid", primary_key: true }] }, "r1");
    expect(answer.type).toBe("OpApplied");
    if (answer.type !== "OpApplied") return;
    const tableId = (answer.op as { table_id: string }).table_id;
    expect(answer.request_id).toBe("r1");
    expect(answer.state.tables).toEqual([expect.objectContaining({ id: tableId, name: "users", x: 10, y: 20, version: answer.version })]);
    expect(answer.state.tables[0]!.columns.map((c) => c.name)).toEqual(["id"]);
    // Acknowledged means in the update log: the stored document (state + log) already has it.
    const stored = await server.liveshare.core.documents.load(diagramId);
    const doc = new Y.Doc();
    Y.applyUpdate(doc, stored.update!);
    expect(readSchema(doc).tables.map((t) => t.id)).toEqual([tableId]);
  });

  // SPEC: JSON-12, JSON-13
  it("after one change in a 100-table diagram, sends a JSON client only that element", async () => {
    const server = await live.start();
    const { token, roomId } = await server.api.room();
    const watcher = await join(token, roomId);
    const editor = await join(token, roomId);
    const { tableIds } = buildDiagram(documentOf(roomId), { tables: 100, columnsPerTable: 8, relationships: 60, seed: 5 }, SERVER_EDIT);
    await waitFor(() => watcher.tables.size === 100 && editor.tables.size === 100, "the diagram to reach both clients");
    const from = watcher.messages.length;
    const fullBytes = JSON.stringify(watcher.schema()).length;

    await editor.op({ type: "RenameTable", table_id: tableIds[37]!, name: "renamed" });
    const delta = await watcher.next("GraphState", () => true, from);
    expect(delta.full).toBe(false);
    expect(delta.state.tables.map((t) => [t.id, t.name])).toEqual([[tableIds[37], "renamed"]]);
    expect(delta.state.relationships).toEqual([]);
    expect(delta.deleted).toEqual([]);
    expect(JSON.stringify(delta).length).toBeLessThan(fullBytes / 20);
    // The author is answered by OpApplied and not sent its own change again.
    await watcher.next("GraphOp", (m) => (m.op as { table_id?: string }).table_id === tableIds[37], from);
    expect(editor.all("GraphState").filter((m) => m.state.tables.some((t) => t.name === "renamed"))).toEqual([]);
    expect(editor.schema()).toEqual(watcher.schema());
  });

  // SPEC: JSON-13
  it("sends deletions as ids, including relationships removed with their table", async () => {
    const server = await live.start();
    const { token, roomId } = await server.api.room();
    const client = await join(token, roomId);
    const editor = await join(token, roomId);
    buildDiagram(documentOf(roomId), { tables: 10, columnsPerTable: 3, relationships: 10, seed: 2 }, SERVER_EDIT);
    await waitFor(() => client.tables.size === 10, "the diagram");
    const victim = [...client.relationships.values()][0]!.to_table;
    const from = client.messages.length;
    const answer = await editor.op({ type: "DeleteTable", table_id: victim });
    expect(answer.type).toBe("OpApplied");
    const delta = await client.next("GraphState", () => true, from);
    expect(delta.deleted).toContain(victim);
    expect(client.tables.has(victim)).toBe(false);
    expect([...client.relationships.values()].filter((r) => r.from_table === victim || r.to_table === victim)).toEqual([]);
    expect(client.schema()).toEqual(readSchema(documentOf(roomId), (id) => server.liveshare.core.schemaGuard.versionsOf(roomId)!.versionOf(id)));
  });

  // SPEC: JSON-19
  it("sends a reconnecting client the full state, with what changed while it was away", async () => {
    const server = await live.start();
    const { token, roomId } = await server.api.room();
    const editor = await join(token, roomId);
    const first = await join(token, roomId);
    await editor.op({ type: "CreateTable", name: "before", x: 0, y: 0 });
    await waitFor(() => first.tables.size === 1, "the table");
    first.destroy();
    await editor.op({ type: "CreateTable", name: "while away", x: 0, y: 0 });
    const again = await join(token, roomId);
    const full = again.all("GraphState")[0]!;
    expect(full.full).toBe(true);
    expect(full.state.tables.map((t) => t.name).sort()).toEqual(["before", "while away"]);
  });

  // SPEC: JSON-17
  it("sends a full GraphState on RequestFullSync, a few times but not in a loop", async () => {
    const server = await live.start();
    const { token, roomId } = await server.api.room();
    const client = await join(token, roomId);
    await client.op({ type: "CreateTable", name: "t", x: 0, y: 0 });
    const from = client.messages.length;
    client.send({ type: "RequestFullSync" });
    const full = await client.next("GraphState", (m) => m.full, from);
    expect(full.state.tables.map((t) => t.name)).toEqual(["t"]);
    // A full state can be large: asking in a loop is refused, not served.
    for (let i = 0; i < 10; i++) client.send({ type: "RequestFullSync" });
    await client.next("Error", (m) => m.code === "rate_limited", from);
    expect(client.all("GraphState").filter((m) => m.full).length).toBeLessThanOrEqual(1 + 5);
    expect(client.closeEvent).toBeUndefined();
  });

  // SPEC: JSON-16
  it("sends a full GraphState every FULL_SYNC_INTERVAL_MS while the diagram changes", async () => {
    const server = await live.start({ FULL_SYNC_INTERVAL_MS: "200" });
    const { token, roomId } = await server.api.room();
    const client = await join(token, roomId);
    const editor = await join(token, roomId);
    await editor.op({ type: "CreateTable", name: "t", x: 0, y: 0 });
    const periodic = await client.next("GraphState", (m) => m.full, 2);
    expect(periodic.state.tables.map((t) => t.name)).toEqual(["t"]);
    expect(await server.liveshare.core.metrics.registry.getSingleMetricAsString("liveshare_full_syncs_sent_total")).toMatch(/liveshare_full_syncs_sent_total [3-9]/);
  });

  // SPEC: JSON-3, JSON-18
  it("sends a joining client the current full state and no SnapshotRecovery (a Yjs binary of an older state is no use without Yjs)", async () => {
    const server = await live.start();
    const { token, roomId } = await server.api.room();
    const editor = await join(token, roomId);
    await editor.op({ type: "CreateTable", name: "snapshotted", x: 1, y: 1 });
    const snapshot = await server.liveshare.core.snapshots.take(roomId, documentOf(roomId), "interval");
    expect(snapshot).toBeDefined();
    await editor.op({ type: "CreateTable", name: "after the snapshot", x: 1, y: 1 });
    const client = await join(token, roomId);
    expect(client.messages.slice(0, 3).map((m) => m.type)).toEqual(["AuthSuccess", "GraphState", "RoomInfo"]);
    expect(client.malformed).toEqual([]);
    expect([...client.tables.values()].map((t) => t.name).sort()).toEqual(["after the snapshot", "snapshotted"]);
  });

  // SPEC: JSON-20
  it("sends a JSON client an edit made on the server side", async () => {
    const server = await live.start();
    const { token, roomId } = await server.api.room();
    const client = await join(token, roomId);
    applyOperation(documentOf(roomId), { type: "CreateTable", name: "from the server", x: 0, y: 0 }, SERVER_EDIT);
    await waitFor(() => client.tables.size === 1, "the server-side edit");
    expect([...client.tables.values()][0]!.name).toBe("from the server");
  });

  // SPEC: JSON-23
  it("tells the others UserLeft when a JSON client goes, and keeps the document while one stays", async () => {
    const server = await live.start();
    const owner = await server.api.room("owner");
    const guest = await server.api.login("guest");
    await server.api.request("PUT", `/api/diagrams/${owner.diagramId}/shares/${guest.userId}`, { token: owner.token, body: { permission: "edit" } });
    const stays = await join(owner.token, owner.roomId);
    const goes = await join(guest.token, owner.roomId);
    await stays.next("UserJoined", (m) => m.user.user_id === guest.userId);
    goes.destroy();
    await stays.next("UserLeft", (m) => m.user_id === guest.userId);
    expect(server.liveshare.core.rooms.get(owner.roomId)).toBeDefined();
    expect(server.liveshare.core.rooms.usersPresent(owner.roomId).map((u) => u.user_id)).toEqual([owner.userId]);
  });
});
