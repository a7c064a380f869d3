/**
 * Presence both ways between JSON clients and Yjs clients in one room: JSON CursorMove, UserViewport,
 * IdleStatus and Awareness appear in the providers' awareness (with the token's identity), and the
 * providers' presence reaches JSON clients as the protocol's messages.
 */
import { describe, expect, it } from "vitest";
import type { TestProvider } from "../helpers/provider.ts";
import { liveShareFixture } from "../helpers/fixture.ts";
import { waitFor } from "../helpers/wait.ts";
import type { SeenState } from "./helpers.ts";


describe("presence between JSON and Yjs clients", () => {
  const live = liveShareFixture();

  /** A room with a JSON client ("alice") and a Yjs provider ("bob"), both editors. */
  const room = async () => {
    const server = await live.start({ IDLE_AFTER_MS: "60000", AWAY_AFTER_MS: "120000" });
    const owner = await server.api.room("alice");
    const bob = await server.api.member(owner, "bob");
    const alice = await live.join(owner.roomId, owner.token);
    const provider = await live.connectSynced(owner.roomId, bob.token);
    return { owner, bob, alice, provider };
  };

  /** The provider's view of the JSON user's presence. */
  const seenBy = (provider: TestProvider, userId: string): SeenState | undefined =>
    [...provider.provider.awareness!.getStates().values()].find((s) => (s as SeenState).user?.id === userId) as SeenState | undefined;

  // SPEC: JSON-24, PRES-2
  it("shows a JSON client's cursor, viewport, selection and activity to Yjs clients, under the token's identity", async () => {
    const { owner, alice, provider } = await room();
    alice.send({ type: "CursorMove", position: [10, 20] });
    alice.send({ type: "UserViewport", center: [1, 2], zoom: 1.5 });
    alice.send({ type: "Awareness", state: { selection: ["t1"], user: { id: "someone-else", name: "mallory" } } });
    await waitFor(() => {
      const s = seenBy(provider, owner.userId);
      return s?.cursor?.x === 10 && s.viewport?.zoom === 1.5 && s.selection?.[0] === "t1";
    }, "alice's presence at bob");
    const state = seenBy(provider, owner.userId)!;
    expect(state).toMatchObject({ user: { id: owner.userId, name: "alice" }, cursor: { x: 10, y: 20 }, viewport: { center: { x: 1, y: 2 }, zoom: 1.5 }, selection: ["t1"], status: "active" });
    expect([...provider.provider.awareness!.getStates().values()].some((s) => (s as SeenState).user?.id === "someone-else")).toBe(false);

    alice.send({ type: "IdleStatus", is_active: false });
    await waitFor(() => seenBy(provider, owner.userId)?.status === "idle", "alice idle at bob");
  });

  // SPEC: PRES-14, JSON-24
  it("relays own fields both ways: a JSON client's Awareness fields to Yjs clients, a provider's fields to JSON clients", async () => {
    const { owner, bob, alice, provider } = await room();
    alice.send({ type: "Awareness", state: { tool: "pen", selection: ["t1"] } });
    alice.send({ type: "Awareness", state: { hovered: "t2", huge: "x".repeat(3000) } });
    await waitFor(() => seenBy(provider, owner.userId)?.hovered === "t2", "alice's own fields at bob");
    const state = seenBy(provider, owner.userId)!;
    expect(state).toMatchObject({ tool: "pen", hovered: "t2", selection: ["t1"], user: { id: owner.userId } });
    expect(state).not.toHaveProperty("huge");

    await alice.next("UserJoined", (m) => m.user.user_id === bob.userId);
    provider.provider.setAwarenessField("name", "Bob's tablet");
    const awareness = await alice.next("Awareness", (m) => m.user_id === bob.userId && m.state.name === "Bob's tablet");
    expect(awareness.state).toMatchObject({ user: { id: bob.userId, name: "bob" }, name: "Bob's tablet" });
  });

  // SPEC: PRES-8
  it("keeps the final cursor position of a fast movement", async () => {
    const { owner, alice, provider } = await room();
    for (let i = 0; i <= 200; i++) alice.send({ type: "CursorMove", position: [i, i] });
    await waitFor(() => seenBy(provider, owner.userId)?.cursor?.x === 200, "the last cursor position");
    expect(alice.closeEvent).toBeUndefined();
  });

  // SPEC: JSON-23
  it("shows a Yjs client's presence to JSON clients as CursorMove, UserViewport, IdleStatus and Awareness", async () => {
    const { bob, alice, provider } = await room();
    await alice.next("UserJoined", (m) => m.user.user_id === bob.userId);
    provider.provider.setAwarenessField("cursor", { x: 5, y: 6 });
    expect(await alice.next("CursorMove", (m) => m.user_id === bob.userId)).toEqual({ type: "CursorMove", user_id: bob.userId, position: [5, 6] });
    provider.provider.setAwarenessField("viewport", { center: { x: 7, y: 8 }, zoom: 2 });
    expect(await alice.next("UserViewport", (m) => m.user_id === bob.userId)).toEqual({ type: "UserViewport", user_id: bob.userId, center: [7, 8], zoom: 2 });
    provider.provider.setAwarenessField("selection", ["a", "b"]);
    const awareness = await alice.next("Awareness", (m) => m.user_id === bob.userId && Array.isArray(m.state.selection) && (m.state.selection as string[]).length === 2);
    expect(awareness.state).toMatchObject({ user: { id: bob.userId, name: "bob" }, selection: ["a", "b"] });
    provider.provider.setAwarenessField("status", "away");
    expect(await alice.next("IdleStatus", (m) => m.user_id === bob.userId)).toEqual({ type: "IdleStatus", user_id: bob.userId, is_active: false, status: "away" });
  });

  // SPEC: JSON-22, JSON-23
  it("tells JSON clients when a Yjs user joins and leaves, and lists Yjs users in RoomInfo", async () => {
    const { bob, alice, provider, owner } = await room();
    const joined = await alice.next("UserJoined", (m) => m.user.user_id === bob.userId);
    expect(joined.user).toMatchObject({ username: "bob", status: "active", is_active: true });
    const late = await live.join(owner.roomId, owner.token);
    expect(late.all("RoomInfo")[0]!.users.map((u) => u.user_id).sort()).toEqual([owner.userId, bob.userId].sort());
    provider.destroy();
    await alice.next("UserLeft", (m) => m.user_id === bob.userId);
  });

  // SPEC: PRES-10
  it("removes a JSON client's presence from Yjs clients when it leaves", async () => {
    const { owner, alice, provider } = await room();
    await waitFor(() => seenBy(provider, owner.userId) !== undefined, "alice's presence at bob");
    alice.destroy();
    await waitFor(() => seenBy(provider, owner.userId) === undefined, "alice's presence to go");
  });

  // SPEC: JSON-23
  it("does not send a JSON client its own presence back", async () => {
    const { owner, alice } = await room();
    alice.send({ type: "CursorMove", position: [1, 1] });
    const other = await live.join(owner.roomId, owner.token);
    alice.send({ type: "CursorMove", position: [2, 2] });
    await other.next("CursorMove", (m) => m.position[0] === 2);
    expect(alice.all("CursorMove").filter((m) => m.user_id === owner.userId)).toEqual([]);
  });
});
