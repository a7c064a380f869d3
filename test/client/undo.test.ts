import { describe, expect, it } from "vitest";
import { liveShareFixture } from "../helpers/fixture.ts";
import { waitFor } from "../helpers/wait.ts";
import { liveShareClients, settled } from "./clients.ts";

describe("LiveShareClient: undo and redo of one's own changes", () => {
  const live = liveShareFixture();
  const clients = liveShareClients(live);

  /** Ada (owner) and Bob (editor) in one room, both synced, with one table "users" at (0, 0). */
  const twoEditors = async () => {
    const { a, b } = await clients.adaAndBob();
    const tableId = "3f1c0b8e-5a4d-4c2b-9e1f-0a1b2c3d4e5f";
    a.apply({ type: "CreateTable", table_id: tableId, name: "users", x: 0, y: 0 });
    a.stopCapturing();
    await waitFor(() => b.table(tableId) !== undefined, "bob sees the table");
    return { a, b, tableId };
  };

  // SPEC: CLIENT-3
  it("undoes only the user's own edit when two users edit the same table, and redoes it", async () => {
    const { a, b, tableId } = await twoEditors();
    a.apply({ type: "RenameTable", table_id: tableId, name: "accounts" });
    await waitFor(() => b.table(tableId)?.name === "accounts", "bob sees the rename");
    b.apply({ type: "MoveTable", table_id: tableId, x: 300, y: 40 });
    b.apply({ type: "AddColumn", table_id: tableId, column: { name: "email", type: "text" } });
    await waitFor(() => a.table(tableId)?.x === 300 && a.table(tableId)?.columns.length === 1, "ada sees bob's edits");

    expect(a.undo()).toBe(true);
    await waitFor(() => b.table(tableId)?.name === "users", "the rename undone at bob");
    for (const client of [a, b]) expect(client.table(tableId)).toMatchObject({ name: "users", x: 300, y: 40, columns: [{ name: "email" }] });

    expect(a.redo()).toBe(true);
    await waitFor(() => b.table(tableId)?.name === "accounts", "the rename redone at bob");
    expect(b.table(tableId)).toMatchObject({ x: 300, columns: [{ name: "email" }] });
    await Promise.all([settled(a), settled(b)]);
  });

  // SPEC: CLIENT-3
  it("never undoes a collaborator's edit: a user with nothing of their own to undo undoes nothing", async () => {
    const { a, b, tableId } = await twoEditors();
    expect(b.canUndo).toBe(false);
    expect(b.undo()).toBe(false);
    expect(b.table(tableId)?.name).toBe("users");
    // Ada's undo removes her table; Bob's stack is still empty.
    expect(a.undo()).toBe(true);
    await waitFor(() => b.table(tableId) === undefined, "the table gone at bob");
    expect(b.canUndo).toBe(false);
  });

  // SPEC: CLIENT-3
  it("undoes a move dragged over 200 frames as one step", async () => {
    const { a, b, tableId } = await twoEditors();
    for (let frame = 1; frame <= 200; frame++) a.apply({ type: "MoveTable", table_id: tableId, x: frame * 2, y: frame });
    a.stopCapturing();
    await waitFor(() => b.table(tableId)?.x === 400, "bob sees the end of the drag");

    expect(a.undo()).toBe(true);
    expect(a.table(tableId)).toMatchObject({ x: 0, y: 0 });
    await waitFor(() => b.table(tableId)?.x === 0, "bob sees the drag undone");
    // The next step back is the table's creation.
    expect(a.undo()).toBe(true);
    expect(a.table(tableId)).toBeUndefined();
  });
});
