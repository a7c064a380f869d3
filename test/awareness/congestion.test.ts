import { describe, expect, it } from "vitest";
import type { Socket } from "node:net";
import { applyOperation, readSchema } from "../../src/schema-doc/index.ts";
import { liveShareFixture } from "../helpers/fixture.ts";
import { waitFor } from "../helpers/wait.ts";
import { counterValue, roomWithPeers, waitSeen } from "./helpers.ts";

describe("congestion", () => {
  const live = liveShareFixture();

  // SPEC: PRES-11
  it("drops presence, never document updates, to a client whose socket is congested, and makes its view whole once it drains", async () => {
    const { server, roomId, peers } = await roomWithPeers(live, ["editor", "mover", "leaver", "slow"], { PRESENCE_SEND_BUFFER_BYTES: "1024" });
    const { editor, mover, leaver, slow } = peers;
    mover.provider.setAwarenessField("cursor", { x: 0, y: 0 });
    leaver.provider.setAwarenessField("cursor", { x: 9, y: 9 });
    await waitSeen(slow, mover, (s) => s.cursor?.x === 0, "the mover at the slow client");
    await waitSeen(slow, leaver, (s) => s.cursor?.x === 9, "the leaver at the slow client");

    // The slow client stops reading: what the server sends it piles up in its send buffer.
    const tcp = (slow.socket.webSocket as unknown as { _socket: Socket })._socket;
    tcp.pause();
    const buffered = () => Math.max(...server.liveshare.core.hocuspocus.documents.get(roomId)!.getConnections().map((c) => (c.webSocket as unknown as { bufferedAmount: number }).bufferedAmount));
    let edits = 0;
    await waitFor(() => {
      // Large edits until the kernel's buffers are full and the server has to queue.
      const columns = Array.from({ length: 20 }, (_, i) => ({ name: `c${i}`, type: "text", comment: "x".repeat(9_000) }));
      applyOperation(editor.doc, { type: "CreateTable", name: `t${edits}`, x: 0, y: 0, columns }, "test");
      edits += 1;
      return buffered() > 64 * 1024;
    }, "the slow client's socket to congest", 20_000);

    const dropped = () => counterValue(server, "liveshare_messages_dropped_total", { reason: "congested" });
    for (let x = 1; x <= 5; x++) mover.provider.setAwarenessField("cursor", { x, y: x });
    await waitFor(async () => (await dropped()) > 0, "presence to the congested client to be dropped");
    // Its removal is presence too, and is dropped for the slow client like the rest.
    const droppedBefore = await dropped();
    leaver.socket.disconnect();
    await waitFor(async () => (await dropped()) > droppedBefore, "the leaver's removal to be dropped");

    tcp.resume();
    // Every document update still arrives; presence catches up with the next presence message.
    await waitFor(() => readSchema(slow.doc).tables.length === edits, "every edit at the slow client", 20_000);
    mover.provider.setAwarenessField("cursor", { x: 6, y: 6 });
    await waitSeen(slow, mover, (s) => s.cursor?.x === 6, "the mover's latest cursor at the slow client");
    // The first presence message after the drain was a full one, with the removal it missed (without
    // it the slow client would show the leaver until its own 30 s timeout).
    await waitFor(() => slow.provider.awareness!.getStates().get(leaver.doc.clientID) === undefined, "the leaver gone at the slow client");
  });
});
