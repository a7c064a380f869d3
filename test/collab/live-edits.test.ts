import { describe, expect, it } from "vitest";
import { liveShareFixture } from "../helpers/fixture.ts";
import { acknowledged, newProvider, synced } from "../helpers/provider.ts";
import { addTable, serverDoc, storedDocument, storedState, tableNames } from "../helpers/documents.ts";
import { actors, sharedDiagram } from "../helpers/users.ts";
import type { TestServer } from "../helpers/server.ts";
import { waitFor } from "../helpers/wait.ts";
import { RawClient, frames, type ServerFrame } from "../helpers/raw-client.ts";
import * as Y from "yjs";
import { FrameHeaderReader, SyncStep } from "../../src/collab/wire.ts";

type SyncFrame = Extract<ServerFrame, { type: "sync" }>;
const isUpdate = (f: ServerFrame): f is SyncFrame => f.type === "sync" && f.syncType === SyncStep.Update;
const isAck = (f: ServerFrame): f is Extract<ServerFrame, { type: "sync-status" }> => f.type === "sync-status";

/**
 * Counts the document-update frames (sync step "update") Hocuspocus handles itself: its
 * `beforeHandleMessage` hook runs for each. Sync steps 1 and 2 of joining are not counted.
 */
function recordHandledUpdates(server: TestServer): { count: () => number; reset: () => void } {
  const hocuspocus = server.liveshare.core.hocuspocus;
  const hooks = hocuspocus.hooks.bind(hocuspocus);
  let handled = 0;
  hocuspocus.hooks = ((name: Parameters<typeof hooks>[0], payload: { update?: Uint8Array }, ...rest: unknown[]) => {
    if (name === "beforeHandleMessage" && payload.update && new FrameHeaderReader().read(payload.update)?.syncStep === SyncStep.Update) handled += 1;
    return (hooks as (...args: unknown[]) => Promise<unknown>)(name, payload, ...rest);
  }) as typeof hocuspocus.hooks;
  return { count: () => handled, reset: () => (handled = 0) };
}

describe("the live edit path", () => {
  const live = liveShareFixture();

  // SPEC: DUR-1, DUR-2
  it("handles an established editor's edit without Hocuspocus's message pipeline: applied, relayed, stored, then acknowledged", async () => {
    const s = await live.start();
    const who = await actors(s, "live");
    const { roomId, diagramId } = await sharedDiagram(s, who);
    const frames = recordHandledUpdates(s);
    const [writer, reader] = [live.track(newProvider(s.wsUrl, roomId, who.editor.token)), live.track(newProvider(s.wsUrl, roomId, who.owner.token))];
    await Promise.all([synced(writer), synced(reader)]);
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
    const frames = recordHandledUpdates(s);
    const viewer = live.track(newProvider(s.wsUrl, roomId, who.viewer.token));
    await synced(viewer);
    frames.reset();

    addTable(viewer.doc, "not-allowed");
    await waitFor(() => frames.count() > 0, "Hocuspocus to handle the viewer's update");
    // Give the frame time to be (not) applied by whichever path took it.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(tableNames(serverDoc(s, roomId)!)).not.toContain("not-allowed");
  });

  // SPEC: DUR-14
  it("does not send an edit back to its author, but sends it to everyone else, and sends the author what others changed", async () => {
    const s = await live.start();
    const who = await actors(s, "echo");
    const { roomId } = await sharedDiagram(s, who);
    const author = live.track(await RawClient.open(s.wsUrl));
    const other = live.track(await RawClient.open(s.wsUrl));
    await author.join(roomId, who.editor.token);
    await other.join(roomId, who.owner.token);

    const edit = new Y.Doc();
    addTable(edit, "mine");
    const [authorFrom, otherFrom] = [author.received.length, other.received.length];
    author.send(frames.update(roomId, Y.encodeStateAsUpdate(edit)));
    await author.next(isAck, authorFrom, "the acknowledgement");
    const relayed = await other.next(isUpdate, otherFrom, "the edit at the other client");
    const seen = new Y.Doc();
    Y.applyUpdate(seen, relayed.payload);
    expect(tableNames(seen)).toEqual(["mine"]);

    // The other client's edit does reach the author (and is the author's first update frame).
    const theirs = new Y.Doc();
    addTable(theirs, "theirs");
    other.send(frames.update(roomId, Y.encodeStateAsUpdate(theirs)));
    const back = await author.next(isUpdate, authorFrom, "the other client's edit at the author");
    const got = new Y.Doc();
    Y.applyUpdate(got, back.payload);
    expect(tableNames(got)).toEqual(["theirs"]);
    expect(author.received.slice(authorFrom).filter(isUpdate)).toHaveLength(1);
  });

  it("keeps the fan-out latency metric bounded for a room with one client, whose echoes are all dropped", async () => {
    const s = await live.start();
    const { token, roomId } = await s.api.room();
    const p = live.track(newProvider(s.wsUrl, roomId, token));
    await synced(p);
    const latency = s.liveshare.core.metrics.messageLatency;
    const observed = async () => (await latency.get()).values.find((v) => v.metricName?.endsWith("_count"))?.value ?? 0;
    const before = await observed();
    for (let i = 0; i < 3; i++) {
      addTable(p.doc, `alone-${i}`);
      await acknowledged(p);
    }
    await waitFor(async () => (await observed()) >= before + 3, "each edit's fan-out to be observed");
  });

  // SPEC: AUTH-9, DUR-1
  for (const [what, change] of [
    ["the share is removed", { method: "DELETE" as const, body: undefined }],
    ["the editor is downgraded to view", { method: "PUT" as const, body: { permission: "view" } }],
  ] as const) {
    it(`applies none of a stream of edits sent after ${what} returns, and stores exactly what it applied`, async () => {
      const s = await live.start();
      const who = await actors(s, "race");
      const { roomId, diagramId } = await sharedDiagram(s, who);
      // The owner stays, so the room stays loaded when the editor goes.
      const owner = live.track(newProvider(s.wsUrl, roomId, who.owner.token));
      await synced(owner);
      const editor = live.track(await RawClient.open(s.wsUrl));
      await editor.join(roomId, who.editor.token);

      // Edits back to back, one frame each, until the socket closes or 400 are out.
      let seq = 0;
      let sentWhenReturned = Number.POSITIVE_INFINITY;
      const sending = (async () => {
        while (seq < 400 && editor.closeEvent === undefined) {
          const doc = new Y.Doc();
          addTable(doc, `e-${String(seq).padStart(3, "0")}`);
          editor.send(frames.update(roomId, Y.encodeStateAsUpdate(doc)));
          seq += 1;
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      await waitFor(() => seq >= 20, "the stream to be going");
      const { status } = await s.api.request(change.method, `/api/diagrams/${diagramId}/shares/${who.editor.userId}`, { token: who.owner.token, body: change.body });
      sentWhenReturned = seq;
      expect(status).toBeLessThan(300);
      await waitFor(() => seq >= sentWhenReturned + 20 || editor.closeEvent !== undefined, "edits sent after the change");
      await sending;

      // Whatever was in flight has been handled once the owner sees the room settle.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const applied = tableNames(serverDoc(s, roomId)!).map((name) => Number(name.slice(2)));
      await waitFor(() => tableNames(owner.doc).length === applied.length, "the owner to see what was applied");
      // In order, none of those sent once the change had returned, and none lost before it.
      expect(applied.length).toBeGreaterThan(0);
      expect(applied.every((n) => n < sentWhenReturned)).toBe(true);
      expect(applied).toEqual(applied.map((_, i) => i));
      // Acknowledged only what was applied; stored exactly what was applied.
      const acks = editor.received.filter((f) => f.type === "sync-status" && f.applied).length;
      expect(acks).toBeLessThanOrEqual(applied.length);
      await waitFor(async () => {
        const stored = (await storedDocument(s.db, diagramId)) as { shared: { tables: Record<string, { name: string }> } };
        return Object.values(stored.shared.tables).length === applied.length;
      }, "every applied edit to be stored");
    });
  }
});
