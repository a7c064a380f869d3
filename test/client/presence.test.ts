import { describe, expect, it } from "vitest";
import { ActivityTracker, type Peer, type Viewport } from "../../src/client/index.ts";
import { liveShareFixture } from "../helpers/fixture.ts";
import { waitFor } from "../helpers/wait.ts";
import { liveShareClients } from "./clients.ts";

/** A page as the tracker sees it: input events and a visibility state (Node has EventTarget, not a DOM). */
class Page extends EventTarget {
  visibilityState: "visible" | "hidden" = "visible";

  setHidden(hidden: boolean): void {
    this.visibilityState = hidden ? "hidden" : "visible";
    this.dispatchEvent(new Event("visibilitychange"));
  }

  type(): void {
    this.dispatchEvent(new Event("keydown"));
  }
}

describe("LiveShareClient: presence", () => {
  const live = liveShareFixture();
  const clients = liveShareClients(live);

  const twoUsers = async (env: Record<string, string> = {}) => {
    const { owner, bob, a, b } = await clients.adaAndBob(env);
    return { a, b, adaId: owner.userId, bobId: bob.userId };
  };

  const peerOf = (others: Peer[], userId: string) => others.find((p) => p.user.id === userId);

  // SPEC: CLIENT-7, PRES-14
  it("shows each user's cursor, viewport, selection and own fields to the others, with the server's name and colour", async () => {
    const { a, b, adaId } = await twoUsers();
    const seen: Peer[][] = [];
    b.on("presence", (others) => seen.push(others));
    a.presence.set({ cursor: { x: 10, y: 20 }, viewport: { center: { x: 1, y: 2 }, zoom: 1.5 }, selection: ["t1"], tool: "pen", hovered: "t2" });
    await waitFor(() => peerOf(b.presence.others(), adaId)?.fields.tool === "pen", "ada's presence at bob");

    const ada = peerOf(b.presence.others(), adaId)!;
    expect(ada).toMatchObject({
      user: { id: adaId, name: "ada" },
      status: "active",
      cursor: { x: 10, y: 20 },
      viewport: { center: { x: 1, y: 2 }, zoom: 1.5 },
      selection: ["t1"],
      fields: { tool: "pen", hovered: "t2" },
    });
    expect(ada.user.color).toMatch(/^#[0-9a-f]{6}$/i);
    expect(seen.length).toBeGreaterThan(0);
    // Partial updates: removing one own field keeps the rest.
    a.presence.set({ hovered: undefined });
    await waitFor(() => peerOf(b.presence.others(), adaId)?.fields.hovered === undefined, "hovered gone");
    expect(peerOf(b.presence.others(), adaId)).toMatchObject({ cursor: { x: 10, y: 20 }, fields: { tool: "pen" } });
  });

  // SPEC: CLIENT-7
  it("follows a user's viewport: the current one at once, then each change", async () => {
    const { a, b, adaId } = await twoUsers();
    a.presence.set({ viewport: { center: { x: 0, y: 0 }, zoom: 1 } });
    await waitFor(() => peerOf(b.presence.others(), adaId)?.viewport !== null && peerOf(b.presence.others(), adaId) !== undefined, "ada's viewport at bob");
    const followed: (Viewport | null)[] = [];
    b.on("follow", (v) => followed.push(v));
    b.follow(adaId);
    expect(followed).toEqual([{ center: { x: 0, y: 0 }, zoom: 1 }]);
    a.presence.set({ viewport: { center: { x: 50, y: 60 }, zoom: 2 } });
    await waitFor(() => followed.length === 2, "the new viewport followed");
    expect(followed[1]).toEqual({ center: { x: 50, y: 60 }, zoom: 2 });
    // A cursor move is not a viewport change.
    a.presence.set({ cursor: { x: 1, y: 1 } });
    await waitFor(() => peerOf(b.presence.others(), adaId)?.cursor?.x === 1, "the cursor at bob");
    expect(followed).toHaveLength(2);
    b.follow(null);
    a.presence.set({ viewport: { center: { x: 0, y: 0 }, zoom: 3 } });
    await waitFor(() => peerOf(b.presence.others(), adaId)?.viewport?.zoom === 3, "the last viewport at bob");
    expect(followed).toHaveLength(2);
  });

  // SPEC: CLIENT-7
  it("reports a hidden page as away and a visible one as active, and typing brings an idle user back", async () => {
    const { a, b, adaId } = await twoUsers({ IDLE_AFTER_MS: "400", AWAY_AFTER_MS: "600000" });
    const page = new Page();
    const tracker = new ActivityTracker(a, { target: page, visibility: page, idleAfterMs: 400 });
    try {
      const statusOfAda = () => peerOf(b.presence.others(), adaId)?.status;
      expect(tracker.status).toBe("active");
      page.setHidden(true);
      expect(tracker.status).toBe("away");
      await waitFor(() => statusOfAda() === "away", "ada away at bob");
      page.setHidden(false);
      await waitFor(() => statusOfAda() === "active", "ada active at bob");
      // Silence: the server makes her idle on its own; typing is activity it cannot see.
      await waitFor(() => statusOfAda() === "idle", "ada idle at bob");
      await waitFor(() => tracker.status === "idle", "the page's own view idle too");
      page.type();
      expect(tracker.status).toBe("active");
      await waitFor(() => statusOfAda() === "active", "ada active again after typing");
    } finally {
      tracker.destroy();
    }
  });
});
