import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { synced } from "../helpers/provider.ts";
import { liveShareFixture } from "../helpers/fixture.ts";
import { waitFor } from "../helpers/wait.ts";
import { sharedDiagram } from "../helpers/users.ts";

describe("the diagram API a frontend builds on", () => {
  const live = liveShareFixture({ shared: true, users: "api" });
  const { server, who, call } = live;
  const meta = (doc: Y.Doc) => doc.getMap("meta").toJSON();

  // SPEC: REST-15
  it("tells the caller who they are", async () => {
    const me = await call("GET", "/api/me", who.viewer.token);
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ user_id: who.viewer.userId, name: "api-viewer", user_search: true });
  });

  // SPEC: DOC-4
  it("creates a diagram whose document holds meta.name and meta.schema_version before anyone edits it", async () => {
    const diagramId = await server.api.createDiagram(who.owner.token, "Fresh");
    const roomId = await server.api.startSession(who.owner.token, diagramId);
    const reader = live.connect(roomId, who.owner.token);
    await synced(reader);
    expect(meta(reader.doc)).toEqual({ name: "Fresh", schema_version: 1 });
  });

  // SPEC: REST-13
  it("lists the caller's own and shared diagrams with role, access and active room, and not others'", async () => {
    const lister = await server.api.login("api-lister");
    const mine = await server.api.createDiagram(lister.token, "Mine");
    const theirs = await server.api.createDiagram(who.owner.token, "Theirs, shared");
    const hidden = await server.api.createDiagram(who.owner.token, "Theirs, not shared");
    await call("PUT", `/api/diagrams/${theirs}/shares/${lister.userId}`, who.owner.token, { permission: "view" });
    const roomId = await server.api.startSession(lister.token, mine);

    const { status, body } = await call("GET", "/api/diagrams", lister.token);
    expect(status).toBe(200);
    expect(body.next_cursor).toBeNull();
    const byId = new Map<string, { role: string; access: string; active_room_id: string | null; name: string }>(body.diagrams.map((d: { id: string }) => [d.id, d]));
    expect(byId.get(mine)).toMatchObject({ name: "Mine", role: "owner", access: "owner", active_room_id: roomId });
    expect(byId.get(theirs)).toMatchObject({ name: "Theirs, shared", role: "viewer", access: "share", active_room_id: null });
    expect(byId.has(hidden)).toBe(false);
  });

  // SPEC: REST-13
  it("pages through the list with a cursor: every diagram once, most recently changed first", async () => {
    const pager = await server.api.login("api-pager");
    const created: string[] = [];
    for (let i = 0; i < 5; i++) created.push(await server.api.createDiagram(pager.token, `d${i}`));
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response: { status: number; body: { diagrams: { id: string }[]; next_cursor: string | null } } = await call(
        "GET",
        `/api/diagrams?limit=2${cursor ? `&cursor=${cursor}` : ""}`,
        pager.token,
      );
      expect(response.status).toBe(200);
      expect(response.body.diagrams.length).toBeLessThanOrEqual(2);
      seen.push(...response.body.diagrams.map((d) => d.id));
      cursor = response.body.next_cursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...created].reverse());
  });

  // SPEC: REST-13
  it("refuses a list limit out of range and a cursor it did not give out", async () => {
    for (const query of ["limit=0", "limit=101", "limit=abc", "cursor=bm90LWEtY3Vyc29y"]) {
      const { status, body } = await call("GET", `/api/diagrams?${query}`, who.owner.token);
      expect(status, query).toBe(400);
      expect(body.error.code).toBe("validation_failed");
    }
  });

  // SPEC: REST-14, DOC-4
  it("renames a diagram as owner or editor, and the live document's meta.name follows in connected clients", async () => {
    const { diagramId, roomId } = await sharedDiagram(server, who);
    const yjs = live.connect(roomId, who.viewer.token);
    await synced(yjs);

    const renamed = await call("PATCH", `/api/diagrams/${diagramId}`, who.editor.token, { name: "Renamed by the editor" });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id: diagramId, name: "Renamed by the editor", role: "editor", active_room_id: roomId });
    await waitFor(() => meta(yjs.doc).name === "Renamed by the editor", "meta.name to reach the Yjs client");
    expect((await call("GET", `/api/diagrams/${diagramId}`, who.viewer.token)).body.name).toBe("Renamed by the editor");

    expect((await call("PATCH", `/api/diagrams/${diagramId}`, who.owner.token, { name: "Renamed by the owner" })).status).toBe(200);
    await waitFor(() => meta(yjs.doc).name === "Renamed by the owner", "the second rename to reach the Yjs client");
    // Durable: the stored document has it too once the room is gone.
    yjs.destroy();
    await server.api.request("DELETE", `/api/liveshare/sessions/${roomId}`, { token: who.owner.token });
    const again = await server.api.startSession(who.owner.token, diagramId);
    const reader = live.connect(again, who.owner.token);
    await synced(reader);
    expect(meta(reader.doc)).toEqual({ name: "Renamed by the owner", schema_version: 1 });
  });

  // SPEC: REST-14
  it("renames a diagram without a live session in its stored document", async () => {
    const diagramId = await server.api.createDiagram(who.owner.token, "Offline");
    expect((await call("PATCH", `/api/diagrams/${diagramId}`, who.owner.token, { name: "Offline, renamed" })).status).toBe(200);
    const roomId = await server.api.startSession(who.owner.token, diagramId);
    const reader = live.connect(roomId, who.owner.token);
    await synced(reader);
    expect(meta(reader.doc).name).toBe("Offline, renamed");
  });

  // SPEC: REST-14
  it("refuses a rename by a viewer or a stranger, link_access by an editor, and a bad body, changing nothing", async () => {
    const { diagramId } = await sharedDiagram(server, who);
    const cases: [string, unknown, number, string][] = [
      [who.viewer.token, { name: "no" }, 403, "forbidden"],
      [who.stranger.token, { name: "no" }, 403, "forbidden"],
      [who.editor.token, { link_access: "edit" }, 403, "forbidden"],
      [who.editor.token, { name: "x", link_access: "view" }, 403, "forbidden"],
      [who.owner.token, {}, 400, "validation_failed"],
      [who.owner.token, { name: "" }, 400, "validation_failed"],
      [who.owner.token, { link_access: "admin" }, 400, "validation_failed"],
      [who.owner.token, { name: "x", owner_id: who.viewer.userId }, 400, "validation_failed"],
    ];
    for (const [token, body, status, code] of cases) {
      const response = await call("PATCH", `/api/diagrams/${diagramId}`, token, body);
      expect(response.status, JSON.stringify(body)).toBe(status);
      expect(response.body.error.code).toBe(code);
    }
    expect((await call("GET", `/api/diagrams/${diagramId}`, who.owner.token)).body).toMatchObject({ name: "Permissions", link_access: "none" });
  });

  // SPEC: REST-16
  it("lists shares with the user's name where this server has seen them, null otherwise", async () => {
    const { diagramId } = await sharedDiagram(server, who);
    const unseen = crypto.randomUUID();
    await call("PUT", `/api/diagrams/${diagramId}/shares/${unseen}`, who.owner.token, { permission: "view" });
    const { status, body } = await call("GET", `/api/diagrams/${diagramId}/shares`, who.owner.token);
    expect(status).toBe(200);
    expect(body.link_access).toBe("none");
    const names = Object.fromEntries(body.shares.map((s: { user_id: string; name: string | null }) => [s.user_id, s.name]));
    expect(names).toEqual({ [who.editor.userId]: "api-editor", [who.viewer.userId]: "api-viewer", [unseen]: null });
    expect((await call("GET", `/api/diagrams/${diagramId}/shares`, who.editor.token)).status).toBe(403);
  });

  describe("finding people to share with", () => {
    // SPEC: REST-16
    it("finds users this server has seen by a case-insensitive name prefix, revealing only id and name", async () => {
      const { diagramId } = await sharedDiagram(server, who);
      const alice = await server.api.login("Zebulon Alpha");
      await server.api.login("zebulon beta");
      await server.api.login("Other zebulon");
      const { status, body } = await call("GET", `/api/diagrams/${diagramId}/share-candidates?q=ZEBU`, who.owner.token);
      expect(status).toBe(200);
      expect(body.users.map((u: { name: string }) => u.name)).toEqual(["Zebulon Alpha", "zebulon beta"]);
      expect(body.users[0]).toEqual({ user_id: alice.userId, name: "Zebulon Alpha" });
    });

    it("treats LIKE wildcards in the prefix as plain characters", async () => {
      const { diagramId } = await sharedDiagram(server, who);
      const { body } = await call("GET", `/api/diagrams/${diagramId}/share-candidates?q=${encodeURIComponent("%_")}`, who.owner.token);
      expect(body.users).toEqual([]);
    });

    // SPEC: REST-16
    it("bounds the search: a prefix of at least 2 characters, at most 20 results", async () => {
      const { diagramId } = await sharedDiagram(server, who);
      for (let i = 0; i < 22; i++) await server.api.login(`many-${String(i).padStart(2, "0")}`);
      const limited = await call("GET", `/api/diagrams/${diagramId}/share-candidates?q=many-&limit=20`, who.owner.token);
      expect(limited.body.users).toHaveLength(20);
      expect((await call("GET", `/api/diagrams/${diagramId}/share-candidates?q=many-`, who.owner.token)).body.users).toHaveLength(10);
      for (const query of ["q=m", "q=", "q=many-&limit=21", ""]) {
        const refused = await call("GET", `/api/diagrams/${diagramId}/share-candidates?${query}`, who.owner.token);
        expect(refused.status, query).toBe(400);
        expect(refused.body.error.code).toBe("validation_failed");
      }
    });

    // SPEC: REST-16
    it("lets only the diagram's owner search", async () => {
      const { diagramId } = await sharedDiagram(server, who);
      for (const actor of [who.editor, who.viewer, who.stranger]) {
        const refused = await call("GET", `/api/diagrams/${diagramId}/share-candidates?q=api`, actor.token);
        expect(refused.status).toBe(403);
        expect(refused.body.error.code).toBe("forbidden");
      }
    });

    // SPEC: REST-16
    it("is switched off by USER_SEARCH=off, and /api/me says so", async () => {
      const off = await live.start({ USER_SEARCH: "off" });
      const owner = await off.api.login("owner");
      await off.api.login("other-person");
      const diagramId = await off.api.createDiagram(owner.token);
      const refused = await off.api.request("GET", `/api/diagrams/${diagramId}/share-candidates?q=other`, { token: owner.token });
      expect(refused.status).toBe(404);
      expect(refused.body.error.code).toBe("not_found");
      expect((await off.api.request("GET", "/api/me", { token: owner.token })).body.user_search).toBe(false);
    });
  });

  // SPEC: DOC-8
  it("reports the same element versions from /schema whether or not the room is loaded", async () => {
    const { diagramId, roomId } = await sharedDiagram(server, who);
    const json = await live.join(roomId, who.owner.token);
    expect((await json.op({ type: "CreateTable", name: "users", x: 0, y: 0 })).type).toBe("OpApplied");
    json.destroy();
    await waitFor(() => server.liveshare.core.rooms.get(roomId) === undefined, "the room to unload");
    const unloaded = (await call("GET", `/api/diagrams/${diagramId}/schema`, who.owner.token)).body;
    const owner = live.connect(roomId, who.owner.token);
    await synced(owner);
    const loaded = (await call("GET", `/api/diagrams/${diagramId}/schema`, who.owner.token)).body;
    expect(unloaded.tables.map((t: { name: string; version: number }) => [t.name, t.version])).toEqual([["users", 1]]);
    expect(loaded).toEqual(unloaded);
  });
});
