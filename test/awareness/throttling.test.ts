import { describe, expect, it } from "vitest";
import * as decoding from "lib0/decoding";
import { MessageType } from "../../src/collab/wire.ts";
import type { TestProvider } from "../helpers/provider.ts";
import { liveShareFixture } from "../helpers/fixture.ts";
import { sleep } from "../helpers/wait.ts";
import { recordCursors, roomWithPeers, waitSeen } from "./helpers.ts";

/** Moves `p`'s cursor every `everyMs` for `durationMs`; resolves with the last position sent. */
async function moveCursor(p: TestProvider, everyMs: number, durationMs: number, offset = 0): Promise<{ x: number; y: number; moves: number }> {
  const start = performance.now();
  let moves = 0;
  let position = { x: offset, y: 0 };
  while (performance.now() - start < durationMs) {
    moves += 1;
    position = { x: offset + moves, y: moves * 2 };
    p.provider.setAwarenessField("cursor", position);
    await sleep(everyMs);
  }
  return { ...position, moves };
}

/** Counts the awareness frames `p` receives (each is one presence message). */
function countPresenceMessages(p: TestProvider): { count: number } {
  const counter = { count: 0 };
  p.provider.on("message", ({ event }: { event: MessageEvent }) => {
    const decoder = decoding.createDecoder(new Uint8Array(event.data as ArrayBuffer));
    decoding.readVarString(decoder);
    if (decoding.readVarUint(decoder) === MessageType.Awareness) counter.count += 1;
  });
  return counter;
}

describe("cursor throttling", () => {
  const live = liveShareFixture();

  for (const batchMs of ["0", "100"]) {
    // SPEC: PRES-8
    it(`relays a cursor moved at 200 Hz to peers at no more than 30 Hz, and its final position arrives (PRESENCE_BATCH_MS=${batchMs})`, async () => {
      const { peers: { mover, watcher } } = await roomWithPeers(live, ["mover", "watcher"], { PRESENCE_BATCH_MS: batchMs });
      mover.provider.setAwarenessField("cursor", { x: -1, y: -1 });
      await waitSeen(watcher, mover, (s) => s.cursor?.x === -1, "the first cursor at the watcher");
      const seenCursors = recordCursors(watcher, mover);

      const last = await moveCursor(mover, 5, 1000);
      await waitSeen(watcher, mover, (s) => s.cursor?.x === last.x && s.cursor?.y === last.y, "the final position at the watcher");

      const spanSeconds = (seenCursors.at(-1)!.at - seenCursors[0]!.at) / 1000;
      // Arrival jitter can bunch two updates together; over the whole movement the rate holds.
      expect(seenCursors.length).toBeLessThanOrEqual(30 * spanSeconds + 3);
      expect(seenCursors.length).toBeLessThan(last.moves);
    });
  }
});

describe("presence batching", () => {
  const live = liveShareFixture();

  /** Five clients move their cursors at 37–90 Hz for a second; returns what one more client received. */
  async function busyRoom(batchMs: string): Promise<{ messages: number; seconds: number }> {
    const server = await live.start({ PRESENCE_BATCH_MS: batchMs });
    try {
      const { token, roomId } = await server.api.room();
      const movers = await Promise.all(Array.from({ length: 5 }, () => live.connectSynced(roomId, token)));
      const watcher = await live.connectSynced(roomId, token);
      for (const m of movers) m.provider.setAwarenessField("cursor", { x: 0, y: 0 });
      await Promise.all(movers.map((m) => waitSeen(watcher, m, (s) => s.cursor?.x === 0, "every mover at the watcher")));
      const received = countPresenceMessages(watcher);
      const start = performance.now();
      // Different periods, so that the movers' messages do not arrive together.
      const finals = await Promise.all(movers.map((m, i) => moveCursor(m, 11 + 4 * i, 1000, i * 10_000)));
      await Promise.all(movers.map((m, i) => waitSeen(watcher, m, (s) => s.cursor?.x === finals[i]!.x, "every final position")));
      return { messages: received.count, seconds: (performance.now() - start) / 1000 };
    } finally {
      // The next room is measured alone.
      await live.closeAll();
    }
  }

  // SPEC: PRES-9
  it("gives each client about ten presence messages a second whatever the number of movers", async () => {
    const batched = await busyRoom("100");
    const unbatched = await busyRoom("0");
    // 100 ms windows: at most ~10 a second (plus the first, leading flush).
    expect(batched.messages).toBeLessThanOrEqual(10 * batched.seconds + 3);
    // Without batching the same room sends one message per mover update (5 movers × 30 Hz).
    expect(unbatched.messages).toBeGreaterThan(batched.messages * 2);
  });
});
