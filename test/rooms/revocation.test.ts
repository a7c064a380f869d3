import type { Extension } from "@hocuspocus/server";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { CloseCode, CloseReason } from "../../src/close-codes.ts";
import { acknowledged, synced, type TestProvider } from "../helpers/provider.ts";
import { liveShareFixture } from "../helpers/fixture.ts";
import { waitFor } from "../helpers/wait.ts";
import { frames, isClose, isSyncStatus } from "../helpers/raw-client.ts";
import { addTable, serverDoc, tableNames } from "../helpers/documents.ts";
import { sharedDiagram } from "../helpers/users.ts";
import { recordFrames, refusedUpdates } from "./observe.ts";

describe("revocation while connected", () => {
  const live = liveShareFixture({ shared: true, users: "revoke" });
  const { server, who, connect } = live;
  const raw = async (roomId: string, token: string) => {
    const r = await live.raw();
    expect(await r.authenticate(roomId, token)).toMatchObject({ type: "authenticated" });
    return r;
  };
  const as = (token: string) => ({ token });

  /** The owner keeps working through every revocation of someone else. */
  const ownerStillEdits = async (owner: TestProvider, name: string) => {
    addTable(owner.doc, name);
    await acknowledged(owner);
    expect(owner.closeReasons).toEqual([]);
  };

  for (const role of ["editor", "viewer"] as const) {
    // SPEC: AUTH-8, CLOSE-3
    it(`disconnects ${role === "editor" ? "an editor" : "a viewer"} whose share is removed with access-revoked and refuses the reconnect`, async () => {
      const { diagramId, roomId } = await sharedDiagram(server, who);
      const owner = connect(roomId, who.owner.token);
      const revoked = connect(roomId, who[role].token);
      await Promise.all([synced(owner), synced(revoked)]);
      const socket = await raw(roomId, who[role].token);

      const { status } = await server.api.request("DELETE", `/api/diagrams/${diagramId}/shares/${who[role].userId}`, as(who.owner.token));
      expect(status).toBe(204);

      await waitFor(() => revoked.closeReasons.includes(CloseReason.AccessRevoked), "the provider to be told access-revoked");
      expect(await socket.closed()).toEqual({ code: CloseCode.Forbidden, reason: CloseReason.AccessRevoked });
      expect(socket.received.some((f) => isClose(f) && f.reason === CloseReason.AccessRevoked)).toBe(true);
      // The provider reconnects on its own, and is refused there.
      await waitFor(() => revoked.authFailure !== undefined, "the reconnect to be refused");
      expect(revoked.authFailure).toBe(CloseReason.PermissionDenied);

      addTable(revoked.doc, "after-revocation");
      await ownerStillEdits(owner, "owner-table");
      expect(tableNames(serverDoc(server, roomId)!)).toEqual(["owner-table"]);
      expect(server.liveshare.core.rooms.usersPresent(roomId).map((u) => u.user_id)).toEqual([who.owner.userId]);
    });
  }

  // SPEC: AUTH-9
  it("makes an editor downgraded to view read-only while connected: told so, edits no longer applied", async () => {
    const { diagramId, roomId } = await sharedDiagram(server, who);
    const owner = connect(roomId, who.owner.token);
    const editor = connect(roomId, who.editor.token);
    await Promise.all([synced(owner), synced(editor)]);
    addTable(editor.doc, "while-editor");
    await acknowledged(editor);
    const told = recordFrames(editor);
    const socket = await raw(roomId, who.editor.token);

    const { status } = await server.api.request("PUT", `/api/diagrams/${diagramId}/shares/${who.editor.userId}`, {
      ...as(who.owner.token),
      body: { permission: "view" },
    });
    expect(status).toBe(200);

    await waitFor(() => editor.provider.authorizedScope === "readonly", "the provider's scope to become readonly");
    expect(editor.closeReasons).toEqual([]);
    expect(editor.provider.isAuthenticated).toBe(true);
    addTable(editor.doc, "while-viewer");
    await waitFor(() => refusedUpdates(told) === 1, "the edit to be answered with SyncStatus(false)");

    // A raw client in the same position sees the refusal frame for frame.
    const doc = new Y.Doc();
    addTable(doc, "raw-while-viewer");
    const from = socket.received.length;
    socket.send(frames.update(roomId, Y.encodeStateAsUpdate(doc)));
    expect(await socket.next(isSyncStatus, from, "a SyncStatus")).toMatchObject({ applied: false });

    await ownerStillEdits(owner, "owner-table");
    await waitFor(() => tableNames(editor.doc).includes("owner-table"), "the read-only user to keep receiving edits");
    expect(tableNames(serverDoc(server, roomId)!)).toEqual(["owner-table", "while-editor"]);
    expect(tableNames(owner.doc)).toEqual(["owner-table", "while-editor"]);
    expect(server.liveshare.core.rooms.usersPresent(roomId).find((u) => u.user_id === who.editor.userId)?.read_only).toBe(true);

    // No stale permission survives a reconnect either.
    const again = connect(roomId, who.editor.token);
    await synced(again);
    expect(again.provider.authorizedScope).toBe("readonly");
  });

  // SPEC: AUTH-9
  it("makes a viewer upgraded to edit writable while connected", async () => {
    const { diagramId, roomId } = await sharedDiagram(server, who);
    const owner = connect(roomId, who.owner.token);
    const viewer = connect(roomId, who.viewer.token);
    await Promise.all([synced(owner), synced(viewer)]);
    expect(viewer.provider.authorizedScope).toBe("readonly");

    const { status } = await server.api.request("PUT", `/api/diagrams/${diagramId}/shares/${who.viewer.userId}`, {
      ...as(who.owner.token),
      body: { permission: "edit" },
    });
    expect(status).toBe(200);
    await waitFor(() => viewer.provider.authorizedScope === "read-write", "the provider's scope to become read-write");
    addTable(viewer.doc, "now-an-editor");
    await acknowledged(viewer);
    await waitFor(() => tableNames(owner.doc).includes("now-an-editor"), "the promoted user's edit to reach the owner");
  });

  // SPEC: AUTH-10
  it("disconnects everyone when the session ends, sets ended_at and refuses every reconnect", async () => {
    const { diagramId, roomId } = await sharedDiagram(server, who);
    const everyone = [connect(roomId, who.owner.token), connect(roomId, who.editor.token), connect(roomId, who.viewer.token)];
    await Promise.all(everyone.map((p) => synced(p)));
    addTable(everyone[0]!.doc, "kept");
    await acknowledged(everyone[0]!);
    const socket = await raw(roomId, who.editor.token);

    const { status } = await server.api.request("DELETE", `/api/liveshare/sessions/${roomId}`, as(who.owner.token));
    expect(status).toBe(204);

    expect(await socket.closed()).toEqual({ code: CloseCode.Gone, reason: CloseReason.SessionEnded });
    for (const p of everyone) {
      await waitFor(() => p.closeReasons.includes(CloseReason.SessionEnded), "each provider to be told session-ended");
      await waitFor(() => p.authFailure !== undefined, "each reconnect to be refused");
      expect(p.authFailure).toBe(CloseReason.SessionEnded);
    }
    const [row] = await server.db.query<{ ended_at: string | null }>("SELECT ended_at::text FROM liveshare_sessions WHERE id = $1", [roomId]);
    expect(row?.ended_at).not.toBeNull();
    expect((await server.api.request("GET", `/api/liveshare/sessions/${roomId}`, as(who.owner.token))).body).toMatchObject({ active: false, user_count: 0 });

    // The diagram lives on: a new session starts with everything that was acknowledged.
    const next = await server.api.request("POST", "/api/liveshare/sessions", { ...as(who.editor.token), body: { diagram_id: diagramId } });
    expect(next.status).toBe(201);
    expect(next.body.room_id).not.toBe(roomId);
    const rejoined = connect(next.body.room_id, who.viewer.token);
    await synced(rejoined);
    expect(tableNames(rejoined.doc)).toEqual(["kept"]);
  });

  // SPEC: AUTH-10
  it("disconnects everyone when the diagram is deleted, refuses every reconnect and unloads the room", async () => {
    const { diagramId, roomId } = await sharedDiagram(server, who);
    const everyone = [connect(roomId, who.owner.token), connect(roomId, who.editor.token), connect(roomId, who.viewer.token)];
    await Promise.all(everyone.map((p) => synced(p)));
    // An edit leaves a store pending: deletion must not leave the room stuck in memory because of it.
    addTable(everyone[1]!.doc, "doomed");
    await acknowledged(everyone[1]!);
    const socket = await raw(roomId, who.viewer.token);

    const { status } = await server.api.request("DELETE", `/api/diagrams/${diagramId}`, as(who.owner.token));
    expect(status).toBe(204);

    expect(await socket.closed()).toEqual({ code: CloseCode.Gone, reason: CloseReason.DiagramDeleted });
    for (const p of everyone) {
      await waitFor(() => p.closeReasons.includes(CloseReason.DiagramDeleted), "each provider to be told diagram-deleted");
      await waitFor(() => p.authFailure !== undefined, "each reconnect to be refused");
      expect(p.authFailure).toBe(CloseReason.UnknownRoom);
    }
    for (const table of ["diagrams", "diagram_shares", "liveshare_sessions", "diagram_documents", "diagram_updates"]) {
      const column = table === "diagrams" ? "id" : "diagram_id";
      expect(await server.db.query(`SELECT 1 FROM ${table} WHERE ${column} = $1`, [diagramId])).toEqual([]);
    }
    expect((await server.api.request("GET", `/api/diagrams/${diagramId}`, as(who.owner.token))).status).toBe(404);
    await waitFor(() => serverDoc(server, roomId) === undefined, "the room's document to be unloaded");
  });
  describe("while a connection is being set up", () => {
    /**
     * Holds the loading of one room's document: Hocuspocus has answered the client "authenticated"
     * but the connection does not exist yet, so a permission change finds nobody to act on.
     */
    const holdLoading = (roomId: string) => {
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let reached!: () => void;
      const loading = new Promise<void>((resolve) => (reached = resolve));
      const gate: Extension = {
        extensionName: "test-gate",
        async onLoadDocument({ documentName }) {
          if (documentName !== roomId) return;
          reached();
          await released;
        },
      };
      const extensions = server.liveshare.core.hocuspocus.configuration.extensions;
      extensions.push(gate);
      return {
        loading,
        release: () => {
          extensions.splice(extensions.indexOf(gate), 1);
          release();
        },
      };
    };

    // SPEC: AUTH-11
    it("disconnects a user whose share was removed between authentication and connection", async () => {
      const { diagramId, roomId } = await sharedDiagram(server, who);
      const gate = holdLoading(roomId);
      const socket = await live.raw();
      expect(await socket.authenticate(roomId, who.editor.token)).toMatchObject({ type: "authenticated", scope: "read-write" });
      await gate.loading;
      expect((await server.api.request("DELETE", `/api/diagrams/${diagramId}/shares/${who.editor.userId}`, as(who.owner.token))).status).toBe(204);
      gate.release();

      expect(await socket.closed()).toEqual({ code: CloseCode.Forbidden, reason: CloseReason.AccessRevoked });
      await waitFor(() => server.liveshare.core.rooms.usersPresent(roomId).length === 0, "the revoked user to be gone");
    });

    // SPEC: AUTH-11
    it("makes read-only a user downgraded between authentication and connection", async () => {
      const { diagramId, roomId } = await sharedDiagram(server, who);
      const gate = holdLoading(roomId);
      const socket = await live.raw();
      expect(await socket.authenticate(roomId, who.editor.token)).toMatchObject({ scope: "read-write" });
      await gate.loading;
      const downgrade = await server.api.request("PUT", `/api/diagrams/${diagramId}/shares/${who.editor.userId}`, { ...as(who.owner.token), body: { permission: "view" } });
      expect(downgrade.status).toBe(200);
      gate.release();

      await socket.next((f): f is Extract<typeof f, { type: "authenticated" }> => f.type === "authenticated" && f.scope === "readonly", 0, "the readonly scope");
      const doc = new Y.Doc();
      addTable(doc, "stale-permission");
      const from = socket.received.length;
      socket.send(frames.update(roomId, Y.encodeStateAsUpdate(doc)));
      expect(await socket.next(isSyncStatus, from)).toMatchObject({ applied: false });
      expect(tableNames(serverDoc(server, roomId)!)).toEqual([]);
    });

    // SPEC: AUTH-11
    it("disconnects a user whose session ended between authentication and connection", async () => {
      const { roomId } = await sharedDiagram(server, who);
      const gate = holdLoading(roomId);
      const socket = await live.raw();
      expect(await socket.authenticate(roomId, who.editor.token)).toMatchObject({ type: "authenticated" });
      await gate.loading;
      expect((await server.api.request("DELETE", `/api/liveshare/sessions/${roomId}`, as(who.owner.token))).status).toBe(204);
      gate.release();
      expect(await socket.closed()).toEqual({ code: CloseCode.Gone, reason: CloseReason.SessionEnded });
    });
  });
});
