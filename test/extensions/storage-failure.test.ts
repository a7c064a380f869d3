import { describe, expect, it } from "vitest";
import { liveShareFixture } from "../helpers/fixture.ts";
import * as Y from "yjs";
import { applyOperation, readSchema } from "../../src/schema-doc/index.ts";
import { acknowledged, synced } from "../helpers/provider.ts";
import { sleep, waitFor } from "../helpers/wait.ts";

/**
 * A room with an author and a peer, both synced. The peer also keeps the room loaded, so an edit
 * stays live while it cannot be stored.
 */
async function authorAndPeer(live: ReturnType<typeof liveShareFixture>) {
  const server = await live.start();
  const { token, roomId, diagramId } = await server.api.room();
  const author = live.connect(roomId, token);
  const peer = live.connect(roomId, token);
  await synced(author);
  await synced(peer);
  return { server, diagramId, author, peer };
}

describe("when the database is slow", () => {
  const live = liveShareFixture();

  // SPEC: DUR-1, DUR-2
  it("relays an edit to peers at once and acknowledges it to its author once it is in the log", async () => {
    const { server, diagramId, author, peer } = await authorAndPeer(live);

    // Appends queue behind a transaction that holds the update log's table.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const lockTaken = new Promise<void>((resolve) => (locked = resolve));
    const slow = server.db.transaction(async (tx) => {
      await tx.query("LOCK TABLE diagram_updates IN ACCESS EXCLUSIVE MODE");
      locked();
      await held;
    });
    await lockTaken;
    applyOperation(author.doc, { type: "CreateTable", name: "moved", x: 0, y: 0 }, "t");
    await waitFor(() => readSchema(peer.doc).tables.some((t) => t.name === "moved"), "the peer to see the edit");
    await sleep(200);
    expect(author.provider.unsyncedChanges).toBeGreaterThan(0);

    release();
    await slow;
    await acknowledged(author);
    expect((await server.liveshare.core.documents.storedBytes(diagramId)).logEntries).toBeGreaterThan(0);
  });
});

describe("when the database refuses writes", () => {
  const live = liveShareFixture();

  // SPEC: DUR-2, DUR-4
  it("relays the edit but acknowledges it only once it is stored, stays up, and stores it when writes work again", async () => {
    const { server, diagramId, author, peer } = await authorAndPeer(live);

    // Every append to the update log now fails, as it would with the database gone.
    await server.db.query("ALTER TABLE diagram_updates ADD CONSTRAINT refuse_writes CHECK (false) NOT VALID");
    applyOperation(author.doc, { type: "CreateTable", name: "pending", x: 0, y: 0 }, "t");
    // Peers do not wait for the disk...
    await waitFor(() => readSchema(peer.doc).tables.some((t) => t.name === "pending"), "the peer to see the edit");
    // ...but the author is told its edit is not stored, and after reconnecting is still not acknowledged.
    await waitFor(() => author.closeReasons.includes("storage-unavailable"), "the client to be told storage is unavailable");
    await sleep(500);
    expect(author.provider.unsyncedChanges).toBeGreaterThan(0);
    expect((await server.api.request("GET", "/healthz")).status).toBe(200);
    expect((await server.liveshare.core.documents.storedBytes(diagramId)).logEntries).toBe(0);

    await server.db.query("ALTER TABLE diagram_updates DROP CONSTRAINT refuse_writes");
    await acknowledged(author, 15_000);
    const stored = await server.liveshare.core.documents.load(diagramId);
    const doc = new Y.Doc();
    Y.applyUpdate(doc, stored.update!);
    expect(readSchema(doc).tables.map((t) => t.name)).toEqual(["pending"]);
    expect(stored.logEntries).toBeGreaterThan(0);
  });
});

describe("an acknowledgement in a room with an edit not stored yet", () => {
  const live = liveShareFixture();

  // SPEC: DUR-1
  it("waits for that edit: a JSON client's change building on a Yjs edit is acknowledged once both are stored", async () => {
    const server = await live.start();
    const owner = await server.api.room();
    const author = live.connect(owner.roomId, owner.token);
    await synced(author);
    const editor = await server.api.member(owner, "editor");
    const json = await live.join(owner.roomId, editor.token);
    // Only the Yjs author's appends fail: the JSON client's own would go through.
    await server.db.query(`ALTER TABLE diagram_updates ADD CONSTRAINT refuse_author CHECK (user_id IS DISTINCT FROM '${owner.userId}') NOT VALID`);
    applyOperation(author.doc, { type: "CreateTable", name: "base", x: 0, y: 0 }, "t");
    await waitFor(() => json.tables.size === 1, "the JSON client to see the Yjs edit");
    const tableId = [...json.tables.keys()][0]!;
    const answer = json.op({ type: "RenameTable", table_id: tableId, name: "renamed" });
    let answered = false;
    void answer.then(() => (answered = true));
    await sleep(500);
    // Its own change is stored, but it renames a table whose creation is not.
    expect(answered).toBe(false);

    await server.db.query("ALTER TABLE diagram_updates DROP CONSTRAINT refuse_author");
    expect((await answer).type).toBe("OpApplied");
    const stored = await server.liveshare.core.documents.load(owner.diagramId);
    const doc = new Y.Doc();
    Y.applyUpdate(doc, stored.update!);
    expect(readSchema(doc).tables.map((t) => t.name)).toEqual(["renamed"]);
  });
});
