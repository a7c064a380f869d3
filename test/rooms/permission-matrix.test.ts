import { describe, expect, it } from "vitest";
import { acknowledged, synced } from "../helpers/provider.ts";
import { liveShareFixture } from "../helpers/fixture.ts";
import { waitFor } from "../helpers/wait.ts";
import { frames, isSyncStatus } from "../helpers/raw-client.ts";
import { addTable, ROLES, serverDoc, storedState, tableNames, tokenOf, type RoleName } from "../helpers/documents.ts";
import { sharedDiagram, type Actors } from "../helpers/users.ts";
import { recordFrames, refusedUpdates } from "./observe.ts";
import * as Y from "yjs";
import { CloseCode } from "../../src/close-codes.ts";

interface Ctx {
  who: Actors;
  diagramId: string;
  roomId: string;
  /** A user the owner may share with (never seen by the server). */
  thirdUserId: string;
}

interface RestRow {
  action: string;
  /** Runs before the request, as the owner (e.g. ending the session so that a new one can start). */
  prepare?: (ctx: Ctx) => Promise<void>;
  request: (ctx: Ctx) => { method: string; path: string; body?: unknown };
  expect: Record<RoleName, number>;
  /** What an allowed call changed. */
  effect?: (ctx: Ctx, body: any) => Promise<void>;
  /** Denials of this action must also leave connected users connected. */
  disruptive?: boolean;
}

const readable = { owner: 200, editor: 200, viewer: 200, stranger: 403, none: 401 };
const ownerOnly = (ok: number) => ({ owner: ok, editor: 403, viewer: 403, stranger: 403, none: 401 });

describe("the permission matrix", () => {
  const live = liveShareFixture({ shared: true, users: "matrix" });
  const { server, who } = live;

  const connect = (roomId: string, token: string | undefined, doc?: Y.Doc) => live.connect(roomId, token ?? "", doc);
  const fresh = async (): Promise<Ctx> => ({ who, ...(await sharedDiagram(server, who)), thirdUserId: crypto.randomUUID() });
  const sql = (text: string, params: unknown[]) => server.db.query(text, params);

  const rest: RestRow[] = [
    { action: "read the diagram", request: (c) => ({ method: "GET", path: `/api/diagrams/${c.diagramId}` }), expect: readable },
    { action: "read the diagram's schema", request: (c) => ({ method: "GET", path: `/api/diagrams/${c.diagramId}/schema` }), expect: readable },
    { action: "list the shares", request: (c) => ({ method: "GET", path: `/api/diagrams/${c.diagramId}/shares` }), expect: ownerOnly(200) },
    {
      action: "share the diagram",
      request: (c) => ({ method: "PUT", path: `/api/diagrams/${c.diagramId}/shares/${c.thirdUserId}`, body: { permission: "edit" } }),
      expect: ownerOnly(200),
      effect: async (c) => {
        expect(await sql("SELECT permission FROM diagram_shares WHERE diagram_id = $1 AND user_id = $2", [c.diagramId, c.thirdUserId])).toEqual([
          { permission: "edit" },
        ]);
      },
    },
    {
      action: "change a share",
      request: (c) => ({ method: "PUT", path: `/api/diagrams/${c.diagramId}/shares/${c.who.viewer.userId}`, body: { permission: "edit" } }),
      expect: ownerOnly(200),
      effect: async (c) => {
        expect(await server.liveshare.core.diagrams.roleOf(c.diagramId, c.who.viewer.userId)).toBe("editor");
      },
    },
    {
      action: "remove a share",
      request: (c) => ({ method: "DELETE", path: `/api/diagrams/${c.diagramId}/shares/${c.who.editor.userId}` }),
      expect: ownerOnly(204),
      effect: async (c) => {
        expect(await server.liveshare.core.diagrams.roleOf(c.diagramId, c.who.editor.userId)).toBeUndefined();
      },
    },
    {
      action: "start a session when one is active",
      request: (c) => ({ method: "POST", path: "/api/liveshare/sessions", body: { diagram_id: c.diagramId } }),
      expect: { owner: 200, editor: 200, viewer: 403, stranger: 403, none: 401 },
      effect: async (c, body) => {
        expect(body.room_id).toBe(c.roomId);
        expect(body.share_link).toBe(`/editor/${c.diagramId}?room=${c.roomId}`);
      },
    },
    {
      action: "start a new session",
      prepare: async (c) => {
        expect((await server.api.request("DELETE", `/api/liveshare/sessions/${c.roomId}`, { token: c.who.owner.token })).status).toBe(204);
      },
      request: (c) => ({ method: "POST", path: "/api/liveshare/sessions", body: { diagram_id: c.diagramId } }),
      expect: { owner: 201, editor: 201, viewer: 403, stranger: 403, none: 401 },
      effect: async (c, body) => {
        expect(body.room_id).not.toBe(c.roomId);
        expect((await server.liveshare.core.sessions.activeFor(c.diagramId))?.id).toBe(body.room_id);
      },
    },
    { action: "see who is in the session", request: (c) => ({ method: "GET", path: `/api/liveshare/sessions/${c.roomId}` }), expect: readable },
    {
      action: "end the session",
      request: (c) => ({ method: "DELETE", path: `/api/liveshare/sessions/${c.roomId}` }),
      expect: ownerOnly(204),
      disruptive: true,
      effect: async (c) => {
        expect((await server.liveshare.core.sessions.get(c.roomId))?.ended_at).not.toBeNull();
      },
    },
    {
      action: "delete the diagram",
      request: (c) => ({ method: "DELETE", path: `/api/diagrams/${c.diagramId}` }),
      expect: ownerOnly(204),
      disruptive: true,
      effect: async (c) => {
        expect(await server.liveshare.core.diagrams.get(c.diagramId)).toBeUndefined();
        expect(await sql("SELECT id FROM liveshare_sessions WHERE diagram_id = $1", [c.diagramId])).toEqual([]);
      },
    },
  ];

  for (const row of rest) {
    for (const role of ROLES) {
      const status = row.expect[role];
      const allowed = status < 400;
      // SPEC: AUTH-5, REST-3, REST-4, REST-5, REST-6, REST-7, REST-8
      it(`${allowed ? "lets" : "refuses"} ${role === "none" ? "a caller without a token" : `the ${role}`} to ${row.action} (${status})`, async () => {
        const ctx = await fresh();
        await row.prepare?.(ctx);
        // A connected owner shows whether a refused call disturbed the room.
        const watcher = row.disruptive && !allowed ? connect(ctx.roomId, who.owner.token) : undefined;
        if (watcher) await synced(watcher);
        const before = await storedState(server.db, ctx.diagramId);

        const { method, path, body } = row.request(ctx);
        const token = tokenOf(who, role);
        const response = await server.api.request(method, path, { ...(token ? { token } : {}), ...(body ? { body } : {}) });
        expect(response.status).toBe(status);

        if (allowed) {
          await row.effect?.(ctx, response.body);
          return;
        }
        expect(response.body.error.code).toBe(status === 401 ? "unauthorized" : "forbidden");
        if (role === "none") expect(response.body.error.message).toBe("missing-token");
        expect(await storedState(server.db, ctx.diagramId)).toBe(before);
        if (watcher) {
          addTable(watcher.doc, "still-here");
          await acknowledged(watcher);
          expect(watcher.closeReasons).toEqual([]);
        }
      });
    }
  }

  describe("over Yjs", () => {
    const joins: Record<RoleName, { scope: string } | { refused: string }> = {
      owner: { scope: "read-write" },
      editor: { scope: "read-write" },
      viewer: { scope: "readonly" },
      stranger: { refused: "permission-denied" },
      none: { refused: "missing-token" },
    };
    for (const role of ROLES) {
      const expected = joins[role];
      // SPEC: AUTH-5, AUTH-6, AUTH-7, CLOSE-2
      it(
        "scope" in expected
          ? `lets the ${role} join the room ${expected.scope === "readonly" ? "read-only" : "read-write"}`
          : `refuses ${role === "none" ? "a client without a token" : `the ${role}`} a place in the room (${expected.refused})`,
        async () => {
          const { roomId } = await fresh();
          const p = connect(roomId, tokenOf(who, role));
          await waitFor(() => p.provider.isAuthenticated || p.authFailure !== undefined, "an authentication answer");
          if ("scope" in expected) {
            expect(p.provider.authorizedScope).toBe(expected.scope);
            await synced(p);
          } else {
            expect(p.authFailure).toBe(expected.refused);
            expect(p.provider.isAuthenticated).toBe(false);
          }
        },
      );
    }

    for (const role of ["owner", "editor"] as const) {
      // SPEC: AUTH-5
      it(`applies the ${role}'s edits for everyone and stores them`, async () => {
        const { roomId, diagramId } = await fresh();
        const [writer, other] = [connect(roomId, who[role].token), connect(roomId, who.owner.token)];
        await Promise.all([synced(writer), synced(other)]);
        const sent = recordFrames(writer);
        addTable(writer.doc, `by-${role}`);
        await acknowledged(writer);
        expect(refusedUpdates(sent)).toBe(0);
        await waitFor(() => tableNames(other.doc).includes(`by-${role}`), "the edit to reach the other client");
        expect(tableNames(serverDoc(server, roomId)!)).toEqual([`by-${role}`]);
        const logged = await server.db.query<{ user_id: string }>("SELECT user_id FROM diagram_updates WHERE diagram_id = $1", [diagramId]);
        expect(logged.map((r) => r.user_id)).toContain(who[role].userId);
      });
    }

    // SPEC: AUTH-7
    it("never applies a viewer's edits, tells the viewer so, and keeps everyone else's document unchanged", async () => {
      const { roomId, diagramId } = await fresh();
      const owner = connect(roomId, who.owner.token);
      await synced(owner);
      addTable(owner.doc, "original");
      await acknowledged(owner);
      const viewer = connect(roomId, who.viewer.token);
      await synced(viewer);
      expect(viewer.provider.authorizedScope).toBe("readonly");
      expect(tableNames(viewer.doc)).toEqual(["original"]);
      const told = recordFrames(viewer);
      const before = await storedState(server.db, diagramId);

      addTable(viewer.doc, "viewer-table");
      // SyncStatus(false) is the server's final word on that update: handled, and not applied.
      await waitFor(() => refusedUpdates(told) === 1, "a SyncStatus(false) answer");
      expect(viewer.provider.unsyncedChanges).toBeGreaterThan(0);
      expect(tableNames(serverDoc(server, roomId)!)).toEqual(["original"]);
      expect(tableNames(owner.doc)).toEqual(["original"]);
      expect(await storedState(server.db, diagramId)).toBe(before);

      // The viewer still receives everything.
      addTable(owner.doc, "later");
      await waitFor(() => tableNames(viewer.doc).includes("later"), "the owner's edit to reach the viewer");
    });

    // SPEC: AUTH-7
    it("answers a raw read-only client's update and sync step 2 with SyncStatus(false) and applies neither", async () => {
      const { roomId, diagramId } = await fresh();
      const raw = await live.raw();
      expect(await raw.authenticate(roomId, who.viewer.token)).toMatchObject({ type: "authenticated", scope: "readonly" });
      const before = await storedState(server.db, diagramId);
      const doc = new Y.Doc();
      addTable(doc, "sneaky");
      const update = Y.encodeStateAsUpdate(doc);
      const from = raw.received.length;
      raw.send(frames.update(roomId, update));
      raw.send(frames.syncStep2(roomId, update));
      await waitFor(() => raw.received.slice(from).filter(isSyncStatus).length === 2, "two SyncStatus answers");
      expect(raw.received.slice(from).filter(isSyncStatus).map((f) => f.applied)).toEqual([false, false]);
      expect(tableNames(serverDoc(server, roomId)!)).toEqual([]);
      expect(await storedState(server.db, diagramId)).toBe(before);
      expect(raw.open).toBe(true);
    });

    for (const role of ["stranger", "none"] as const) {
      // SPEC: AUTH-12, CLOSE-2
      it(`applies nothing a refused ${role === "none" ? "client without a token" : role} sends after the refusal`, async () => {
        const { roomId, diagramId } = await fresh();
        const raw = await live.raw();
        expect(await raw.authenticate(roomId, tokenOf(who, role) ?? "")).toMatchObject({ type: "permission-denied" });
        const before = await storedState(server.db, diagramId);
        const doc = new Y.Doc();
        addTable(doc, "intruder");
        raw.send(frames.update(roomId, Y.encodeStateAsUpdate(doc)));
        raw.send(frames.syncStep2(roomId, Y.encodeStateAsUpdate(doc)));
        // A well-behaved owner joining afterwards finds the document as it was.
        const owner = connect(roomId, who.owner.token);
        await synced(owner);
        expect(tableNames(owner.doc)).toEqual([]);
        expect(raw.received.filter(isSyncStatus)).toEqual([]);
        expect(await storedState(server.db, diagramId)).toBe(before);
      });
    }
  });
  describe("over the JSON protocol", () => {
    const joins: Record<RoleName, { role: string; readOnly: boolean } | { refused: string; code: number }> = {
      owner: { role: "owner", readOnly: false },
      editor: { role: "editor", readOnly: false },
      viewer: { role: "viewer", readOnly: true },
      stranger: { refused: "permission-denied", code: CloseCode.Forbidden },
      none: { refused: "missing-token", code: CloseCode.Unauthorized },
    };
    const jsonClient = async () => {
      const client = await live.openJson();
      return client;
    };

    for (const role of ROLES) {
      const expected = joins[role];
      // SPEC: AUTH-5, AUTH-6, JSON-3, JSON-5
      it(
        "role" in expected
          ? `lets the ${role} join the room ${expected.readOnly ? "read-only" : "read-write"}`
          : `refuses ${role === "none" ? "a client without a token" : `the ${role}`} a place in the room (${expected.refused}, ${expected.code})`,
        async () => {
          const { roomId } = await fresh();
          const client = await jsonClient();
          client.send({ type: "Auth", token: tokenOf(who, role) ?? "", room_id: roomId });
          if ("role" in expected) {
            expect(await client.next("AuthSuccess")).toMatchObject({ role: expected.role, read_only: expected.readOnly, room_id: roomId });
            await client.next("RoomInfo");
          } else {
            expect(await client.next("AuthFailure")).toEqual({ type: "AuthFailure", reason: expected.refused });
            expect(await client.closed()).toEqual({ code: expected.code, reason: expected.refused });
          }
        },
      );
    }

    for (const role of ["owner", "editor"] as const) {
      // SPEC: JSON-20
      it(`applies the ${role}'s GraphOp for Yjs clients too and stores it`, async () => {
        const { roomId, diagramId } = await fresh();
        const yjs = connect(roomId, who.viewer.token);
        await synced(yjs);
        const client = await live.join(roomId, who[role].token);
        expect(await client.op({ type: "CreateTable", name: `json-${role}`, x: 1, y: 2 })).toMatchObject({ type: "OpApplied" });
        await waitFor(() => tableNames(yjs.doc).includes(`json-${role}`), "the JSON edit to reach the Yjs client");
        const logged = await server.db.query<{ user_id: string }>("SELECT user_id FROM diagram_updates WHERE diagram_id = $1", [diagramId]);
        expect(logged.map((r) => r.user_id)).toContain(who[role].userId);
      });
    }

    // SPEC: JSON-10, AUTH-7
    it("answers a viewer's GraphOp with a read_only Error and changes nothing anywhere", async () => {
      const { roomId, diagramId } = await fresh();
      const owner = connect(roomId, who.owner.token);
      await synced(owner);
      addTable(owner.doc, "original");
      await acknowledged(owner);
      const before = await storedState(server.db, diagramId);
      const viewer = await live.join(roomId, who.viewer.token);
      const tableId = viewer.schema().tables[0]!.id;
      for (const op of [
        { type: "CreateTable", name: "viewer-table", x: 0, y: 0 },
        { type: "RenameTable", table_id: tableId, name: "renamed" },
        { type: "DeleteTable", table_id: tableId },
      ]) {
        expect(await viewer.op(op)).toMatchObject({ type: "Error", code: "read_only" });
      }
      expect(tableNames(serverDoc(server, roomId)!)).toEqual(["original"]);
      expect(tableNames(owner.doc)).toEqual(["original"]);
      expect(await storedState(server.db, diagramId)).toBe(before);
      expect(viewer.closeEvent).toBeUndefined();
    });

    // SPEC: JSON-4, AUTH-12
    it("lets nothing but Auth through before authentication, whoever asks", async () => {
      const { roomId, diagramId } = await fresh();
      const before = await storedState(server.db, diagramId);
      const client = await jsonClient();
      client.send({ type: "GraphOp", op: { type: "CreateTable", name: "early", x: 0, y: 0 } });
      expect(await client.next("Error")).toMatchObject({ code: "not_authenticated" });
      client.send({ type: "Auth", token: who.stranger.token, room_id: roomId });
      expect(await client.next("AuthFailure")).toMatchObject({ reason: "permission-denied" });
      expect(await storedState(server.db, diagramId)).toBe(before);
    });
  });
});
