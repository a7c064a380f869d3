import { describe, expect, it } from "vitest";
import { liveShareFixture } from "../helpers/fixture.ts";
import { synced } from "../helpers/provider.ts";
import { waitFor } from "../helpers/wait.ts";

describe("graceful shutdown", () => {
  const live = liveShareFixture();

  // SPEC: CLOSE-6
  it("closes Yjs and JSON clients alike with 4001 server-shutdown (docs/close-codes.md)", async () => {
    const server = await live.start();
    const { token, roomId } = await server.api.room();
    const yjs = live.connect(roomId, token);
    await synced(yjs);
    const socketCloses: { code: number; reason: string }[] = [];
    yjs.socket.on("close", ({ event }: { event: { code: number; reason: string } }) => socketCloses.push({ code: event.code, reason: event.reason }));
    const json = await live.join(roomId, token);

    await server.liveshare.close();

    expect(await json.closed()).toEqual({ code: 4001, reason: "server-shutdown" });
    await waitFor(() => socketCloses.length > 0, "the Yjs socket to close");
    expect(socketCloses[0]).toEqual({ code: 4001, reason: "server-shutdown" });
  });
});
