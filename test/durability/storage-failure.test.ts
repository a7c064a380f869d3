import { describe, expect, it } from "vitest";
import { liveShareFixture } from "../helpers/fixture.ts";
import * as Y from "yjs";
import { applyOperation, readSchema } from "../../src/schema-doc/index.ts";
import { acknowledged, synced } from "../helpers/provider.ts";
import { sleep, waitFor } from "../helpers/wait.ts";

describe("when the database refuses writes", () => {
  const live = liveShareFixture();

  it("acknowledges nothing, stays up, and stores the edit once writes work again", async () => {
    const server = await live.start();
    const { token, roomId, diagramId } = await server.api.room();
    const p = live.connect(roomId, token);
    await synced(p);

    // Every append to the update log now fails, as it would with the database gone.
    await server.db.query("ALTER TABLE diagram_updates ADD CONSTRAINT refuse_writes CHECK (false) NOT VALID");
    applyOperation(p.doc, { type: "CreateTable", name: "pending", x: 0, y: 0 }, "t");
    await waitFor(() => p.closeReasons.includes("storage-unavailable"), "the client to be told storage is unavailable");
    await sleep(300);
    expect(p.provider.unsyncedChanges).toBeGreaterThan(0);
    expect((await server.api.request("GET", "/healthz")).status).toBe(200);
    expect((await server.liveshare.core.documents.storedBytes(diagramId)).logEntries).toBe(0);

    await server.db.query("ALTER TABLE diagram_updates DROP CONSTRAINT refuse_writes");
    await acknowledged(p, 15_000);
    const stored = await server.liveshare.core.documents.load(diagramId);
    const doc = new Y.Doc();
    Y.applyUpdate(doc, stored.update!);
    expect(readSchema(doc).tables.map((t) => t.name)).toEqual(["pending"]);
  });
});
