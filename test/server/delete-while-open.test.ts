import { describe, expect, it } from "vitest";
import { liveShareFixture } from "../helpers/fixture.ts";
import { applyOperation } from "../../src/schema-doc/index.ts";
import { acknowledged, synced } from "../helpers/provider.ts";
import { waitFor } from "../helpers/wait.ts";

describe("deleting a diagram whose room is open", () => {
  const live = liveShareFixture();

  // SPEC: AUTH-10
  it("disconnects everyone and unloads the room instead of keeping it in memory", async () => {
    const server = await live.start();
    const { token, roomId, diagramId } = await server.api.room();
    const p = live.connect(roomId, token);
    await synced(p);
    applyOperation(p.doc, { type: "CreateTable", name: "doomed", x: 0, y: 0 }, "t");
    await acknowledged(p);
    expect((await server.api.request("DELETE", `/api/diagrams/${diagramId}`, { token })).status).toBe(204);
    await waitFor(() => p.closeReasons.includes("diagram-deleted"), "the client to be told");
    p.provider.disconnect();
    await waitFor(() => server.liveshare.core.rooms.get(roomId) === undefined, "the room to unload");
    expect((await server.api.request("GET", `/api/diagrams/${diagramId}`, { token })).status).toBe(404);
  });
});
