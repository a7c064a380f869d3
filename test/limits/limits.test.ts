import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { CloseCode, CloseReason } from "../../src/close-codes.ts";
import { ConfigError, loadConfig } from "../../src/config.ts";
import { acknowledged, newProvider, synced } from "../helpers/provider.ts";
import { liveShareFixture } from "../helpers/fixture.ts";
import type { TestServer } from "../helpers/server.ts";
import { waitFor } from "../helpers/wait.ts";
import { addTable, serverDoc, storedState, tableNames } from "../helpers/documents.ts";
import { actors, sharedDiagram } from "../helpers/users.ts";
import { JsonClient } from "../helpers/json-client.ts";
import { RawClient, frames } from "../helpers/raw-client.ts";

/** One update creating `count` tables with 200-character names (about 250 bytes each). */
function bulkUpdate(prefix: string, count: number): Uint8Array {
  const doc = new Y.Doc();
  for (let i = 0; i < count; i++) addTable(doc, `${prefix}-${i}-`.padEnd(200, "x"));
  return Y.encodeStateAsUpdate(doc);
}

describe("limits", () => {
  const live = liveShareFixture();
  const connect = (s: TestServer, roomId: string, token: string) => live.track(newProvider(s.wsUrl, roomId, token));
  const open = async (s: TestServer) => live.track(await RawClient.open(s.wsUrl));

  describe("message size", () => {
    // SPEC: LIM-5
    it("defaults to 1 MiB and is configured with MAX_MESSAGE_BYTES", () => {
      expect(loadConfig({}).maxMessageBytes).toBe(1024 * 1024);
      expect(loadConfig({ MAX_MESSAGE_BYTES: "4096" }).maxMessageBytes).toBe(4096);
      expect(() => loadConfig({ MAX_MESSAGE_BYTES: "12" })).toThrow(ConfigError);
      expect(() => loadConfig({ MAX_MESSAGE_BYTES: "lots" })).toThrow(/MAX_MESSAGE_BYTES/);
    });

    // SPEC: LIM-5
    it("closes with 1009 on a larger frame, applies none of it, and the room keeps syncing", async () => {
      const s = await live.start({ MAX_MESSAGE_BYTES: "4096" });
      const who = await actors(s, "size");
      const { roomId, diagramId } = await sharedDiagram(s, who);
      const [writer, reader] = [connect(s, roomId, who.editor.token), connect(s, roomId, who.owner.token)];
      await Promise.all([synced(writer), synced(reader)]);

      const client = await open(s);
      expect(await client.authenticate(roomId, who.editor.token)).toMatchObject({ type: "authenticated" });
      const before = await storedState(s.db, diagramId);
      // Just under the limit is fine…
      const fits = frames.update(roomId, bulkUpdate("small", 10));
      expect(fits.length).toBeLessThan(4096);
      client.send(fits);
      await waitFor(() => tableNames(reader.doc).filter((n) => n.startsWith("small")).length === 10, "the frame under the limit to be applied");
      // Relayed before it is durable: wait for the store rather than read it at once.
      await waitFor(async () => (await storedState(s.db, diagramId)) !== before, "the frame under the limit to be stored");
      const afterSmall = await storedState(s.db, diagramId);

      // …one byte of document more than the limit is not.
      const tooBig = frames.update(roomId, bulkUpdate("big", 20));
      expect(tooBig.length).toBeGreaterThan(4096);
      client.send(tooBig);
      expect((await client.closed()).code).toBe(CloseCode.MessageTooBig);
      expect(tableNames(serverDoc(s, roomId)!).filter((n) => n.startsWith("big"))).toEqual([]);
      expect(await storedState(s.db, diagramId)).toBe(afterSmall);

      addTable(writer.doc, "after");
      await acknowledged(writer);
      await waitFor(() => tableNames(reader.doc).includes("after"), "the room to keep syncing");
    });

    // SPEC: LIM-5
    it("closes a JSON client with 1009 on a larger message and applies none of it", async () => {
      const s = await live.start({ MAX_MESSAGE_BYTES: "4096" });
      const who = await actors(s, "json-size");
      const { roomId, diagramId } = await sharedDiagram(s, who);
      const client = live.track(await JsonClient.join(s.wsUrl, who.editor.token, roomId));
      const before = await storedState(s.db, diagramId);
      client.send({ type: "GraphOp", op: { type: "CreateTable", name: "t", x: 0, y: 0, comment: "c".repeat(5000) } });
      expect((await client.closed()).code).toBe(CloseCode.MessageTooBig);
      expect(await storedState(s.db, diagramId)).toBe(before);
    });
  });

  describe("users per room", () => {
    // SPEC: LIM-6
    it("refuses a user beyond MAX_USERS_PER_ROOM with room-full but admits another tab of a present user", async () => {
      const s = await live.start({ MAX_USERS_PER_ROOM: "2" });
      const who = await actors(s, "full");
      const { roomId } = await sharedDiagram(s, who);
      const owner = connect(s, roomId, who.owner.token);
      const editor = connect(s, roomId, who.editor.token);
      await Promise.all([synced(owner), synced(editor)]);

      const third = connect(s, roomId, who.viewer.token);
      await waitFor(() => third.authFailure !== undefined || third.provider.isAuthenticated, "an answer for the third user");
      expect(third.authFailure).toBe(CloseReason.RoomFull);

      const secondTab = connect(s, roomId, who.owner.token);
      await synced(secondTab);
      const session = await s.api.request("GET", `/api/liveshare/sessions/${roomId}`, { token: who.owner.token });
      expect(session.body).toMatchObject({ user_count: 2, connection_count: 3 });

      // Once someone leaves there is room again.
      editor.destroy();
      await waitFor(() => s.liveshare.core.rooms.usersPresent(roomId).length === 1, "the editor to leave");
      const retry = connect(s, roomId, who.viewer.token);
      await synced(retry);
      expect(retry.provider.authorizedScope).toBe("readonly");
    });

    // SPEC: LIM-6
    it("admits no more than MAX_USERS_PER_ROOM users who connect at the same moment", async () => {
      const s = await live.start({ MAX_USERS_PER_ROOM: "2" });
      const who = await actors(s, "race");
      const { roomId } = await sharedDiagram(s, who);
      const sockets = await Promise.all([open(s), open(s), open(s)]);
      const answers = await Promise.all(
        [who.owner, who.editor, who.viewer].map((actor, i) => sockets[i]!.authenticate(roomId, actor.token)),
      );
      expect(answers.filter((a) => a.type === "authenticated")).toHaveLength(2);
      expect(answers.filter((a) => a.type === "permission-denied").map((a) => (a as { reason: string }).reason)).toEqual([CloseReason.RoomFull]);
      await waitFor(() => s.liveshare.core.rooms.usersPresent(roomId).length === 2, "both admitted users to be present");
    });

    // SPEC: LIM-6
    it("counts JSON clients and Yjs clients together", async () => {
      const s = await live.start({ MAX_USERS_PER_ROOM: "2" });
      const who = await actors(s, "mixed-full");
      const { roomId } = await sharedDiagram(s, who);
      const owner = connect(s, roomId, who.owner.token);
      await synced(owner);
      live.track(await JsonClient.join(s.wsUrl, who.editor.token, roomId));
      const viewer = live.track(await JsonClient.connect(s.wsUrl));
      viewer.send({ type: "Auth", token: who.viewer.token, room_id: roomId });
      expect(await viewer.next("AuthFailure")).toMatchObject({ reason: CloseReason.RoomFull });
      expect(await viewer.closed()).toEqual({ code: CloseCode.RoomFull, reason: CloseReason.RoomFull });
      const yjsViewer = connect(s, roomId, who.viewer.token);
      await waitFor(() => yjsViewer.authFailure !== undefined, "the Yjs viewer to be refused");
      expect(yjsViewer.authFailure).toBe(CloseReason.RoomFull);
    });

    // SPEC: LIM-6
    it("defaults to 100 users, the original design's limit", () => {
      expect(loadConfig({}).maxUsersPerRoom).toBe(100);
    });
  });
});
