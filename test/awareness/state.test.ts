import { describe, expect, it } from "vitest";
import { colorFor } from "../../src/awareness/color.ts";
import { waitFor } from "../helpers/wait.ts";
import { liveShareFixture } from "../helpers/fixture.ts";
import { counterValue, roomWithPeers, seen, waitSeen } from "./helpers.ts";

describe("presence state", () => {
  const live = liveShareFixture();

  // SPEC: PRES-1, PRES-2
  it("relays a client's cursor, viewport and selection with the user and colour the server assigns", async () => {
    const { server, owner, peers: { a } } = await roomWithPeers(live, ["a"], {}, "alice");
    const bob = await server.api.member(owner, "bob");
    const b = await live.connectSynced(owner.roomId, bob.token);

    a.provider.setAwarenessField("cursor", { x: 10, y: 20 });
    a.provider.setAwarenessField("viewport", { center: { x: 1, y: 2 }, zoom: 1.5 });
    a.provider.setAwarenessField("selection", ["t1", "t2"]);
    const state = await waitSeen(b, a, (s) => s.selection?.length === 2, "a's selection at b");

    expect(state).toEqual({
      user: { id: owner.userId, name: "alice", color: colorFor(owner.userId) },
      cursor: { x: 10, y: 20 },
      viewport: { center: { x: 1, y: 2 }, zoom: 1.5 },
      selection: ["t1", "t2"],
      status: "active",
    });
    expect(colorFor(owner.userId)).toMatch(/^#[0-9a-f]{6}$/);
    expect(colorFor(owner.userId)).toBe(colorFor(owner.userId));
  });

  // SPEC: PRES-2, PRES-14
  it("overwrites a spoofed user with the token's identity and relays the client's own fields as they are", async () => {
    const { owner, peers: { a, b } } = await roomWithPeers(live, ["a", "b"], {}, "alice");

    a.provider.setAwarenessField("user", { id: "00000000-0000-4000-8000-000000000000", name: "mallory", color: "#000000" });
    // What Hocuspocus's own provider tests and editor bindings set: plain top-level fields.
    a.provider.setAwarenessField("name", "Ada's laptop");
    a.provider.setAwarenessField("tool", { kind: "pen", size: 2 });
    a.provider.setAwarenessField("cursor", { x: 1, y: 1 });
    const state = await waitSeen(b, a, (s) => s.cursor?.x === 1, "a's cursor at b");

    expect(state.user).toEqual({ id: owner.userId, name: "alice", color: colorFor(owner.userId) });
    expect(state).toMatchObject({ name: "Ada's laptop", tool: { kind: "pen", size: 2 } });
  });

  // SPEC: PRES-14
  it("drops an own field that would take a state's own fields over 2 KiB, and keeps the rest", async () => {
    const { peers: { a, b } } = await roomWithPeers(live, ["a", "b"], {}, "alice");

    a.provider.setAwarenessField("hovered", "t1");
    a.provider.setAwarenessField("notes", "x".repeat(2048));
    a.provider.setAwarenessField("cursor", { x: 2, y: 2 });
    const state = await waitSeen(b, a, (s) => s.cursor?.x === 2, "a's cursor at b");

    expect(state.hovered).toBe("t1");
    expect(state).not.toHaveProperty("notes");
  });

  // SPEC: PRES-10
  it("relays presence handed in for a JSON client to Yjs clients, and removes it when the client leaves", async () => {
    const { server, owner, peers: { watcher } } = await roomWithPeers(live, ["watcher"], {}, "alice");
    const document = server.liveshare.core.hocuspocus.documents.get(owner.roomId)!;
    const { presence } = server.liveshare.core;
    const sender = { key: {}, user: { userId: owner.userId, name: "alice" }, protocol: "json" as const, readOnly: false };
    const clientId = 424242;
    const states = () => watcher.provider.awareness!.getStates();

    presence.receive(document, sender, new Map([[clientId, { cursor: { x: 3, y: 4 }, user: { name: "someone else" } }]]));
    await waitFor(() => states().has(clientId), "the JSON client's state at the Yjs client");
    expect(states().get(clientId)).toEqual({
      user: { id: owner.userId, name: "alice", color: colorFor(owner.userId) },
      cursor: { x: 3, y: 4 },
      viewport: null,
      selection: [],
      status: "active",
    });
    expect(presence.statusOf(owner.roomId, owner.userId)).toBe("active");

    presence.leave(document, sender);
    await waitFor(() => !states().has(clientId), "the JSON client's state removed");
  });

  // SPEC: PRES-4
  it("drops an invalid state and keeps showing the last valid one", async () => {
    const { server, peers: { a, b } } = await roomWithPeers(live, ["a", "b"]);

    a.provider.setAwarenessField("cursor", { x: 5, y: 6 });
    await waitSeen(b, a, (s) => s.cursor?.x === 5, "valid cursor at b");
    const dropped = () => counterValue(server, "liveshare_messages_dropped_total", { reason: "invalid" });
    const before = await dropped();
    a.provider.setAwarenessField("cursor", { x: "five", y: 6 });
    a.provider.setAwarenessField("selection", "not-a-list");
    await waitFor(async () => (await dropped()) >= before + 2, "both invalid states to be dropped");
    // A valid message after the invalid ones is still relayed: the connection was not harmed.
    a.provider.awareness!.setLocalState({ cursor: { x: 7, y: 8 } });
    await waitSeen(b, a, (s) => s.cursor?.x === 7, "the next valid cursor at b");
    expect(seen(b, a)?.selection).toEqual([]);
  });
});
