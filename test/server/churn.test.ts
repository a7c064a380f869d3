/**
 * Issue #14, defect 8's other half: join/edit/leave churn on both endpoints leaves nothing behind —
 * no Document, Connection, awareness or presence object of a session survives it once collected.
 */
import v8 from "node:v8";
import vm from "node:vm";
import { describe, expect, it } from "vitest";
import { acknowledged, newProvider, synced } from "../helpers/provider.ts";
import { liveShareFixture } from "../helpers/fixture.ts";
import { sleep, waitFor } from "../helpers/wait.ts";
import { addTable } from "../helpers/documents.ts";
import { sharedDiagram } from "../helpers/users.ts";
import { JsonClient } from "../helpers/json-client.ts";

const SESSIONS = Number(process.env.CHURN_SESSIONS ?? 48);

/** A full garbage collection (V8's `gc`, exposed for this test). */
function collector(): () => void {
  v8.setFlagsFromString("--expose-gc");
  return vm.runInNewContext("gc") as () => void;
}

describe("churn", () => {
  // The clients below are not the fixture's: it would keep them, and this test checks nothing is kept.
  const { server, who } = liveShareFixture({ shared: true, users: "churn" });

  it(`retains no Document, Connection, awareness or presence object after ${SESSIONS} join/edit/leave sessions on both endpoints`, async () => {
    const { core } = server.liveshare;
    const rooms = await Promise.all(Array.from({ length: 4 }, () => sharedDiagram(server, who)));
    const kept: { what: string; ref: WeakRef<object> }[] = [];
    const watch = (what: string, value: object | undefined) => {
      if (value) kept.push({ what, ref: new WeakRef(value) });
    };

    // One session in a function of its own: nothing of it stays in this function's frame.
    const session = async (i: number) => {
      const { roomId } = rooms[i % rooms.length]!;
      const provider = newProvider(server.wsUrl, roomId, i % 2 === 0 ? who.editor.token : who.owner.token);
      await synced(provider);
      provider.provider.setAwarenessField("cursor", { x: i, y: i });
      addTable(provider.doc, `yjs-${i}`);
      await acknowledged(provider);
      const json = await JsonClient.join(server.wsUrl, who.editor.token, roomId);
      expect(await json.op({ type: "CreateTable", name: `json-${i}`, x: 0, y: 0 })).toMatchObject({ type: "OpApplied" });
      json.send({ type: "CursorMove", position: [i, i] });

      const document = core.hocuspocus.documents.get(roomId);
      watch("Document", document);
      watch("awareness", document?.awareness);
      for (const connection of document?.getConnections() ?? []) watch("Connection", connection);
      watch("presence room", core.presence.room(roomId));

      json.destroy();
      provider.destroy();
    };
    // Eight at a time over four rooms: rooms load and unload again and again, sessions overlap.
    for (let i = 0; i < SESSIONS; i += 8) await Promise.all(Array.from({ length: Math.min(8, SESSIONS - i) }, (_, j) => session(i + j)));
    await waitFor(() => core.hocuspocus.documents.size === 0 && core.rooms.size === 0, "every room to unload", 30_000);
    expect(core.rooms.usersPresent(rooms[0]!.roomId)).toEqual([]);

    // `deref()` keeps its target alive until the end of the current job: never collect in the same one.
    const gc = collector();
    const alive = () => kept.filter((k) => k.ref.deref() !== undefined).map((k) => k.what);
    for (let round = 0; round < 10; round++) {
      await sleep(10);
      gc();
      await sleep(10);
      if (alive().length === 0) break;
    }
    expect(kept.length).toBeGreaterThanOrEqual(SESSIONS * 3);
    expect(alive()).toEqual([]);
  }, 120_000);
});
