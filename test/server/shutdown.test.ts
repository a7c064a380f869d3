import { describe, expect, it } from "vitest";
import { liveShareFixture } from "../helpers/fixture.ts";
import { synced } from "../helpers/provider.ts";
import { waitFor } from "../helpers/wait.ts";
import { isClose } from "../helpers/raw-client.ts";

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

  // SPEC: CLOSE-6
  it("sends a Yjs socket Hocuspocus's close message for each of its rooms before closing it with 4001", async () => {
    const server = await live.start();
    const first = await server.api.room();
    const second = await server.api.room();
    const socket = await live.raw();
    expect(await socket.join(first.roomId, first.token)).toMatchObject({ type: "authenticated" });
    expect(await socket.join(second.roomId, second.token)).toMatchObject({ type: "authenticated" });

    await server.liveshare.close();

    expect(await socket.closed()).toEqual({ code: 4001, reason: "server-shutdown" });
    const closes = socket.received.filter(isClose);
    expect(closes.map((f) => f.room).sort()).toEqual([first.roomId, second.roomId].sort());
    expect(closes.map((f) => f.reason)).toEqual(["Reset Connection", "Reset Connection"]);
  });
});
