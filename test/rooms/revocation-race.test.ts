/**
 * Regression tests for issue #14, defects 2 and 3: a change of access racing a client's
 * authentication wins. The room's load is held up for real (a second PostgreSQL session locks the
 * stored documents, which every load reads), so the change lands exactly between the client's role
 * look-up and its joining the room; the client has already sent an edit, which Hocuspocus (Yjs) or
 * the session (JSON) queues until then. Once the REST call that changes access has returned, that
 * edit must never be applied or stored with the old role.
 */
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { CloseCode, CloseReason } from "../../src/close-codes.ts";
import { TEST_DATABASE_URL, TEST_REDIS_URL } from "../helpers/env.ts";
import { acknowledged, newProvider, synced } from "../helpers/provider.ts";
import { liveShareFixture } from "../helpers/fixture.ts";
import type { TestServer } from "../helpers/server.ts";
import { waitFor } from "../helpers/wait.ts";
import { frames, isSyncStatus } from "../helpers/raw-client.ts";
import { JsonClient } from "../helpers/json-client.ts";
import { addTable, serverDoc, storedDocument, tableNames } from "../helpers/documents.ts";
import { actors, sharedDiagram, type Actors } from "../helpers/users.ts";

/**
 * A second database session holding an exclusive lock on the stored documents: every room load waits
 * (it reads the stored state first), while REST calls, which never read it, go through.
 */
async function holdRoomLoads(schema: string): Promise<{ waiting(): Promise<number>; release(): Promise<void> }> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, options: `-c search_path="${schema}"` });
  await client.connect();
  await client.query("BEGIN");
  await client.query("LOCK TABLE diagram_documents IN ACCESS EXCLUSIVE MODE");
  return {
    async waiting() {
      const { rows } = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND relation = 'diagram_documents'::regclass");
      return rows[0]!.n;
    },
    async release() {
      await client.query("COMMIT");
      await client.end();
    },
  };
}

type Change = "share removed" | "downgraded to view" | "session ended";

const CHANGES: readonly Change[] = ["share removed", "downgraded to view", "session ended"];

describe("access changes racing authentication", () => {
  // Not named `live`: the tests call the room's loaded document that.
  const { server, who, raw, openJson, join } = liveShareFixture({ shared: true, users: "race" });

  /** Makes the change through the REST API, as the owner would. */
  const change = async (what: Change, diagramId: string, roomId: string) => {
    const as = { token: who.owner.token };
    const response =
      what === "share removed"
        ? await server.api.request("DELETE", `/api/diagrams/${diagramId}/shares/${who.editor.userId}`, as)
        : what === "downgraded to view"
          ? await server.api.request("PUT", `/api/diagrams/${diagramId}/shares/${who.editor.userId}`, { ...as, body: { permission: "view" } })
          : await server.api.request("DELETE", `/api/liveshare/sessions/${roomId}`, as);
    expect(response.status).toBeLessThan(300);
  };

  /** A room nobody has loaded yet (so the editor's join loads it), with the owner's table stored. */
  const coldRoom = async () => {
    const { diagramId, roomId } = await sharedDiagram(server, who);
    const owner = newProvider(server.wsUrl, roomId, who.owner.token);
    await synced(owner);
    addTable(owner.doc, "owner-table");
    await acknowledged(owner);
    owner.destroy();
    await waitFor(() => serverDoc(server, roomId) === undefined, "the room to unload");
    return { diagramId, roomId };
  };

  const storedTables = async (diagramId: string) => {
    const stored = (await storedDocument(server.db, diagramId)) as { shared: { tables: Record<string, { name: string }> } };
    return Object.values(stored.shared.tables)
      .map((t) => t.name)
      .sort();
  };

  for (const what of CHANGES) {
    it(`JSON: ${what} while an editor's Auth waits for the room to load — the editor never acts as an editor`, async () => {
      const { diagramId, roomId } = await coldRoom();
      const lock = await holdRoomLoads(server.schema!);
      const client = await openJson();
      try {
        client.send({ type: "Auth", token: who.editor.token, room_id: roomId });
        client.send({ type: "GraphOp", op: { type: "CreateTable", name: "queued-before-auth", x: 0, y: 0 }, request_id: "queued" });
        await waitFor(async () => (await lock.waiting()) > 0, "the room's load to wait on the lock");
        await change(what, diagramId, roomId);
      } finally {
        await lock.release();
      }

      if (what === "downgraded to view") {
        const success = await client.next("AuthSuccess");
        expect(success).toMatchObject({ role: "viewer", read_only: true });
        const answer = await client.next("Error", (m) => m.request_id === "queued");
        expect(answer.code).toBe("read_only");
      } else {
        const failure = await client.next("AuthFailure");
        expect(failure.reason).toBe(what === "share removed" ? CloseReason.PermissionDenied : CloseReason.SessionEnded);
        await client.closed();
      }
      expect(client.all("AuthSuccess").filter((m) => m.role === "editor")).toEqual([]);
      expect(client.all("OpApplied")).toEqual([]);
      const live = serverDoc(server, roomId);
      if (live) expect(tableNames(live)).toEqual(["owner-table"]);
      expect(await storedTables(diagramId)).toEqual(["owner-table"]);
    });

    it(`Yjs: ${what} while an editor's connection waits for the room to load — its queued edit is never applied`, async () => {
      const { diagramId, roomId } = await coldRoom();
      const lock = await holdRoomLoads(server.schema!);
      const client = await raw();
      const edit = new Y.Doc();
      addTable(edit, "queued-before-auth");
      try {
        client.send(frames.auth(roomId, who.editor.token));
        client.send(frames.update(roomId, Y.encodeStateAsUpdate(edit)));
        await waitFor(async () => (await lock.waiting()) > 0, "the room's load to wait on the lock");
        await change(what, diagramId, roomId);
      } finally {
        await lock.release();
      }

      if (what === "downgraded to view") {
        expect(await client.next(isSyncStatus, 0, "the answer to the queued edit")).toMatchObject({ applied: false });
      } else {
        expect(await client.closed()).toEqual(
          what === "share removed" ? { code: CloseCode.Forbidden, reason: CloseReason.AccessRevoked } : { code: CloseCode.Gone, reason: CloseReason.SessionEnded },
        );
        expect(client.received.some((f) => isSyncStatus(f) && f.applied)).toBe(false);
      }
      const live = serverDoc(server, roomId);
      if (live) expect(tableNames(live)).toEqual(["owner-table"]);
      expect(await storedTables(diagramId)).toEqual(["owner-table"]);
    });
  }

  it("JSON: an edit whose diagram was deleted meanwhile (by another instance) is never acknowledged as applied", async () => {
    const { diagramId, roomId } = await sharedDiagram(server, who);
    const client = await join(roomId, who.editor.token);
    // Another instance deleted it: this one hears of it only through its control event, later.
    await server.db.query("DELETE FROM diagrams WHERE id = $1", [diagramId]);
    client.send({ type: "GraphOp", op: { type: "CreateTable", name: "never-stored", x: 0, y: 0 }, request_id: "r1" });
    expect(await client.closed()).toEqual({ code: CloseCode.Gone, reason: CloseReason.DiagramDeleted });
    expect(client.all("OpApplied")).toEqual([]);
  });
});

describe("access changes across instances", () => {
  const live = liveShareFixture();
  let a: TestServer;
  let b: TestServer;
  let who: Actors;

  beforeAll(async () => {
    a = await live.start({ REDIS_URL: TEST_REDIS_URL });
    b = await live.start({ REDIS_URL: TEST_REDIS_URL }, { db: a.db });
    who = await actors(a, "cluster-race");
  });

  it("has applied a removed share on every instance by the time the REST call returns", async () => {
    const { diagramId, roomId } = await sharedDiagram(a, who);
    const yjs = live.track(newProvider(b.wsUrl, roomId, who.editor.token));
    await synced(yjs);
    const json = live.track(await JsonClient.join(b.wsUrl, who.editor.token, roomId));
    expect(b.liveshare.core.rooms.usersPresent(roomId).map((u) => u.user_id)).toEqual([who.editor.userId]);

    const { status } = await a.api.request("DELETE", `/api/diagrams/${diagramId}/shares/${who.editor.userId}`, { token: who.owner.token });
    expect(status).toBe(204);

    // No waiting: instance B applied it before A answered.
    expect(b.liveshare.core.rooms.usersPresent(roomId)).toEqual([]);
    await waitFor(() => yjs.closeReasons.includes(CloseReason.AccessRevoked), "the provider on B to be told access-revoked");
    expect((await json.closed())).toEqual({ code: CloseCode.Forbidden, reason: CloseReason.AccessRevoked });
  });

  it("has applied a downgrade on every instance by the time the REST call returns", async () => {
    const { diagramId, roomId } = await sharedDiagram(a, who);
    const json = live.track(await JsonClient.join(b.wsUrl, who.editor.token, roomId));

    const { status } = await a.api.request("PUT", `/api/diagrams/${diagramId}/shares/${who.editor.userId}`, { token: who.owner.token, body: { permission: "view" } });
    expect(status).toBe(200);

    expect(b.liveshare.core.rooms.usersPresent(roomId)).toMatchObject([{ user_id: who.editor.userId, read_only: true }]);
    const answer = await json.op({ type: "CreateTable", name: "after-downgrade", x: 0, y: 0 });
    expect(answer).toMatchObject({ type: "Error", code: "read_only" });
  });
});
