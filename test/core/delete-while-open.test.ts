import { afterEach, describe, expect, it } from "vitest";
import { applyOperation } from "../../src/schema-doc/index.ts";
import { acknowledged, newProvider, synced, type TestProvider } from "../helpers/provider.ts";
import { newLiveShare, type TestServer } from "../helpers/server.ts";
import { waitFor } from "../helpers/wait.ts";

describe("deleting a diagram whose room is open", () => {
  let server: TestServer;
  const providers: TestProvider[] = [];
  afterEach(async () => {
    for (const p of providers.splice(0)) p.destroy();
    await server?.close();
  });

  it("disconnects everyone and unloads the room instead of keeping it in memory", async () => {
    server = await newLiveShare();
    const { token, roomId, diagramId } = await server.api.room();
    const p = newProvider(server.wsUrl, roomId, token);
    providers.push(p);
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
