import { describe, expect, it } from "vitest";
import { applyOperation } from "../../src/schema-doc/index.ts";
import { liveShareFixture } from "../helpers/fixture.ts";
import { waitFor } from "../helpers/wait.ts";
import { roomWithPeers, seen, waitSeen } from "./helpers.ts";

/** Activity thresholds short enough for a test. */
const FAST = { IDLE_AFTER_MS: "300", AWAY_AFTER_MS: "900" };

describe("activity status", () => {
  const live = liveShareFixture();

  // SPEC: PRES-5
  it("shows a silent client as idle and then away on its own, and active again when it moves", async () => {
    const { peers: { a, b } } = await roomWithPeers(live, ["a", "b"], FAST);
    const statuses: string[] = [];
    b.provider.awareness!.on("change", () => {
      const status = seen(b, a)?.status;
      if (status && status !== statuses.at(-1)) statuses.push(status);
    });

    a.provider.setAwarenessField("cursor", { x: 1, y: 1 });
    await waitSeen(b, a, (s) => s.status === "away", "a to become away");
    expect(statuses).toEqual(["active", "idle", "away"]);
    // The silent client adopted the server's status as its own local state.
    expect(a.provider.awareness!.getLocalState()?.status).toBe("away");

    a.provider.setAwarenessField("cursor", { x: 2, y: 2 });
    await waitSeen(b, a, (s) => s.status === "active" && s.cursor?.x === 2, "a to be active again");
  });

  // SPEC: PRES-6, PRES-7
  it("keeps a client that moves after going idle active, though its own state still says idle", async () => {
    const { peers: { a, b } } = await roomWithPeers(live, ["a", "b"], FAST);
    a.provider.setAwarenessField("cursor", { x: 0, y: 0 });
    await waitSeen(b, a, (s) => s.status === "idle", "a to become idle");
    await waitFor(() => a.provider.awareness!.getLocalState()?.status === "idle", "a to adopt the server's idle");
    const statuses: string[] = [];
    b.provider.awareness!.on("change", () => statuses.push(seen(b, a)?.status ?? "gone"));

    // Moves well within the idle threshold: the adopted "idle" it re-sends is no report.
    for (let x = 1; x <= 4; x++) {
      a.provider.setAwarenessField("cursor", { x, y: 0 });
      await waitSeen(b, a, (s) => s.cursor?.x === x, `move ${x} at b`);
    }
    expect(statuses.at(-1)).toBe("active");
    expect(statuses.slice(statuses.indexOf("active"))).not.toContain("idle");
  });

  // SPEC: PRES-6
  it("counts a document edit as activity", async () => {
    const { peers: { a, b } } = await roomWithPeers(live, ["a", "b"], { IDLE_AFTER_MS: "300", AWAY_AFTER_MS: "60000" });
    a.provider.setAwarenessField("cursor", { x: 1, y: 1 });
    await waitSeen(b, a, (s) => s.status === "idle", "a to become idle");

    applyOperation(a.doc, { type: "CreateTable", name: "typed", x: 0, y: 0 }, "test");
    await waitSeen(b, a, (s) => s.status === "active", "a to be active after its edit");
  });

  // SPEC: PRES-7
  it("shows a client that reports its page hidden as away at once, and active when it is back", async () => {
    const { peers: { a, b } } = await roomWithPeers(live, ["a", "b"]);
    a.provider.setAwarenessField("cursor", { x: 1, y: 1 });
    await waitSeen(b, a, (s) => s.status === "active", "a active");

    a.provider.setAwarenessField("status", "away");
    await waitSeen(b, a, (s) => s.status === "away", "a away after hiding its page");
    a.provider.setAwarenessField("status", "active");
    await waitSeen(b, a, (s) => s.status === "active", "a active after showing its page");
  });

  // SPEC: PRES-6
  it("counts a changed activity marker as activity (typing the server cannot see)", async () => {
    const { peers: { a, b } } = await roomWithPeers(live, ["a", "b"], { IDLE_AFTER_MS: "300", AWAY_AFTER_MS: "60000" });
    a.provider.setAwarenessField("activity", 1);
    await waitSeen(b, a, (s) => s.status === "idle", "a to become idle");

    a.provider.setAwarenessField("activity", 2);
    const state = await waitSeen(b, a, (s) => s.status === "active", "a active after typing");
    expect(state).not.toHaveProperty("activity");
  });

  // SPEC: REST-6
  it("lists the users present with their status in GET /api/liveshare/sessions/:room_id", async () => {
    const { server, owner, peers: { a } } = await roomWithPeers(live, ["a"], { IDLE_AFTER_MS: "300", AWAY_AFTER_MS: "60000" }, "alice");
    const bob = await server.api.member(owner, "bob", "view");
    const b = await live.connectSynced(owner.roomId, bob.token);
    a.provider.setAwarenessField("cursor", { x: 1, y: 1 });
    b.provider.setAwarenessField("cursor", { x: 2, y: 2 });
    await waitSeen(a, b, (s) => s.status === "idle", "bob to become idle");
    // Alice keeps moving while Bob stays silent.
    let x = 1;
    const usersNow = async () => {
      a.provider.setAwarenessField("cursor", { x: ++x, y: 1 });
      const { body } = await server.api.request("GET", `/api/liveshare/sessions/${owner.roomId}`, { token: owner.token });
      return body.users as Array<{ user_id: string; name: string; status: string; read_only: boolean }>;
    };
    await waitFor(async () => {
      const users = await usersNow();
      return users.find((u) => u.name === "alice")?.status === "active" && users.find((u) => u.name === "bob")?.status === "idle";
    }, "alice active and bob idle in the room info");
    const users = await usersNow();
    expect(users.map((u) => u.user_id).sort()).toEqual([owner.userId, bob.userId].sort());
    expect(users.find((u) => u.name === "bob")).toMatchObject({ read_only: true, status: "idle" });
  });
});

describe("leaving", () => {
  const live = liveShareFixture();

  // SPEC: PRES-10
  it("removes a user who leaves from everyone's presence at once", async () => {
    const { server, token, roomId, peers: { a, b, c } } = await roomWithPeers(live, ["a", "b", "c"]);
    a.provider.setAwarenessField("cursor", { x: 1, y: 1 });
    c.provider.setAwarenessField("cursor", { x: 3, y: 3 });
    await waitSeen(b, a, (s) => s.cursor?.x === 1, "a at b");
    await waitSeen(b, c, (s) => s.cursor?.x === 3, "c at b");

    // a closes its socket without removing its own state (a lost tab): the server removes it.
    a.socket.disconnect();
    await waitFor(() => seen(b, a) === undefined, "a removed from b's presence");
    // c's provider is destroyed (it removes its state itself, and the server then does too).
    c.destroy();
    await waitFor(() => seen(b, c) === undefined, "c removed from b's presence");
    // Well inside the 30 s after which a client would drop a silent peer on its own.
    const { body } = await server.api.request("GET", `/api/liveshare/sessions/${roomId}`, { token });
    expect(body.users).toHaveLength(1);
    expect(body.connection_count).toBe(1);
  });

  // SPEC: PRES-10
  it("lets a reconnecting client take its presence back", async () => {
    const { peers: { a, b } } = await roomWithPeers(live, ["a", "b"]);
    a.provider.setAwarenessField("cursor", { x: 1, y: 1 });
    await waitSeen(b, a, (s) => s.cursor?.x === 1, "a at b");
    a.socket.disconnect();
    await waitFor(() => seen(b, a) === undefined, "a removed");

    await a.socket.connect();
    a.provider.setAwarenessField("cursor", { x: 4, y: 4 });
    await waitSeen(b, a, (s) => s.cursor?.x === 4, "a back at b with the same client id");
  });
});
