import { describe, expect, it } from "vitest";
import { liveShareFixture } from "../helpers/fixture.ts";
import { acknowledged, newProvider, synced } from "../helpers/provider.ts";
import { addTable, serverDoc, storedState, tableNames } from "../helpers/documents.ts";
import { actors, sharedDiagram } from "../helpers/users.ts";
import type { TestServer } from "../helpers/server.ts";
import { waitFor } from "../helpers/wait.ts";

/** Records the Hocuspocus hooks the server runs with `beforeHandleMessage` (a frame Hocuspocus handled). */
function recordHandledFrames(server: TestServer): { count: () => number; reset: () => void } {
  const hocuspocus = server.liveshare.core.hocuspocus;
  const hooks = hocuspocus.hooks.bind(hocuspocus);
  let handled = 0;
  hocuspocus.hooks = ((name: Parameters<typeof hooks>[0], ...rest: unknown[]) => {
    if (name === "beforeHandleMessage") handled += 1;
    return (hooks as (...args: unknown[]) => Promise<unknown>)(name, ...rest);
  }) as typeof hocuspocus.hooks;
  return { count: () => handled, reset: () => (handled = 0) };
}

describe("the live edit path", () => {
  const live = liveShareFixture();

  it("handles an established editor's edit without Hocuspocus's message pipeline: applied, relayed, stored, then acknowledged", async () => {
    const s = await live.start();
    const who = await actors(s, "live");
    const { roomId, diagramId } = await sharedDiagram(s, who);
    const frames = recordHandledFrames(s);
    const [writer, reader] = [live.track(newProvider(s.wsUrl, roomId, who.editor.token)), live.track(newProvider(s.wsUrl, roomId, who.owner.token))];
    await Promise.all([synced(writer), synced(reader)]);
    // Joining (sync steps) went through Hocuspocus.
    expect(frames.count()).toBeGreaterThan(0);
    frames.reset();
    const before = await storedState(s.db, diagramId);

    addTable(writer.doc, "fast");
    await acknowledged(writer);
    // Acknowledged means stored: no waiting here.
    expect(await storedState(s.db, diagramId)).not.toBe(before);
    expect(tableNames(serverDoc(s, roomId)!)).toContain("fast");
    await waitFor(() => tableNames(reader.doc).includes("fast"), "the edit to reach the other client");
    expect(frames.count()).toBe(0);
  });

  it("leaves a viewer's edit to Hocuspocus, which applies none of it", async () => {
    const s = await live.start();
    const who = await actors(s, "live-viewer");
    const { roomId } = await sharedDiagram(s, who);
    const frames = recordHandledFrames(s);
    const viewer = live.track(newProvider(s.wsUrl, roomId, who.viewer.token));
    await synced(viewer);
    frames.reset();

    addTable(viewer.doc, "not-allowed");
    await waitFor(() => frames.count() > 0, "Hocuspocus to handle the viewer's frame");
    // Give the frame time to be (not) applied by whichever path took it.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(tableNames(serverDoc(s, roomId)!)).not.toContain("not-allowed");
  });
});
