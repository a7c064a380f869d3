import { describe, expect, it } from "vitest";
import { CloseCode, CloseReason } from "../../src/close-codes.ts";
import { acknowledged, synced } from "../helpers/provider.ts";
import { liveShareFixture } from "../helpers/fixture.ts";
import { waitFor } from "../helpers/wait.ts";
import { addTable, tableNames } from "../helpers/documents.ts";
import { sharedDiagram } from "../helpers/users.ts";

describe("link sharing", () => {
  const live = liveShareFixture({ shared: true, users: "link" });
  const { server, who, call, connect, join } = live;
  const setLink = async (diagramId: string, link_access: string) => {
    const response = await call("PATCH", `/api/diagrams/${diagramId}`, who.owner.token, { link_access });
    expect(response.status).toBe(200);
    expect(response.body.link_access).toBe(link_access);
  };

  // SPEC: AUTH-14
  it("gives nothing by default: a stranger with the link is refused", async () => {
    const { diagramId, roomId } = await sharedDiagram(server, who);
    expect((await call("GET", `/api/diagrams/${diagramId}`, who.owner.token)).body.link_access).toBe("none");
    expect((await call("GET", `/api/diagrams/${diagramId}`, who.stranger.token)).status).toBe(403);
    const refused = connect(roomId, who.stranger.token);
    await waitFor(() => refused.authFailure !== undefined, "the stranger to be refused");
    expect(refused.authFailure).toBe(CloseReason.PermissionDenied);
  });

  // SPEC: AUTH-14
  it("gives anyone signed in the link's role, in REST and in the room; the diagram then shows in their list", async () => {
    const { diagramId, roomId } = await sharedDiagram(server, who);
    const visitor = await server.api.login("link-visitor");
    expect((await call("GET", "/api/diagrams", visitor.token)).body.diagrams.some((d: { id: string }) => d.id === diagramId)).toBe(false);

    await setLink(diagramId, "view");
    const opened = await call("GET", `/api/diagrams/${diagramId}`, visitor.token);
    expect(opened.status).toBe(200);
    expect(opened.body).toMatchObject({ role: "viewer", active_room_id: roomId });
    const listed = (await call("GET", "/api/diagrams", visitor.token)).body.diagrams.find((d: { id: string }) => d.id === diagramId);
    expect(listed).toMatchObject({ role: "viewer", access: "link" });
    expect((await call("PATCH", `/api/diagrams/${diagramId}`, visitor.token, { name: "no" })).status).toBe(403);

    const viewer = connect(roomId, visitor.token);
    await synced(viewer);
    expect(viewer.provider.authorizedScope).toBe("readonly");

    await setLink(diagramId, "edit");
    expect((await call("GET", `/api/diagrams/${diagramId}`, visitor.token)).body.role).toBe("editor");
    expect((await call("PATCH", `/api/diagrams/${diagramId}`, visitor.token, { name: "Renamed through the link" })).status).toBe(200);

    await setLink(diagramId, "none");
    expect((await call("GET", "/api/diagrams", visitor.token)).body.diagrams.some((d: { id: string }) => d.id === diagramId)).toBe(false);
    expect((await call("GET", `/api/diagrams/${diagramId}`, visitor.token)).status).toBe(403);
  });

  it("lists a diagram opened only by joining its room through the link", async () => {
    const { diagramId, roomId } = await sharedDiagram(server, who);
    await setLink(diagramId, "edit");
    const joiner = await server.api.login("link-joiner");
    const client = await join(roomId, joiner.token);
    expect(client.all("AuthSuccess")[0]).toMatchObject({ role: "editor", read_only: false });
    const listed = (await call("GET", "/api/diagrams", joiner.token)).body.diagrams.find((d: { id: string }) => d.id === diagramId);
    expect(listed).toMatchObject({ role: "editor", access: "link", active_room_id: roomId });
  });

  // SPEC: AUTH-14
  it("combines a share and the link as the higher of the two; the owner stays owner", async () => {
    const { diagramId } = await sharedDiagram(server, who);
    await setLink(diagramId, "edit");
    expect((await call("GET", `/api/diagrams/${diagramId}`, who.viewer.token)).body.role).toBe("editor");
    expect((await call("GET", `/api/diagrams/${diagramId}`, who.owner.token)).body.role).toBe("owner");
    await setLink(diagramId, "view");
    expect((await call("GET", `/api/diagrams/${diagramId}`, who.editor.token)).body.role).toBe("editor");
    const listed = (await call("GET", "/api/diagrams", who.editor.token)).body.diagrams.find((d: { id: string }) => d.id === diagramId);
    expect(listed).toMatchObject({ role: "editor", access: "share" });
    // A revoked share falls back to the link's role rather than to nothing.
    expect((await call("DELETE", `/api/diagrams/${diagramId}/shares/${who.editor.userId}`, who.owner.token)).status).toBe(204);
    expect((await call("GET", `/api/diagrams/${diagramId}`, who.editor.token)).body.role).toBe("viewer");
  });

  // SPEC: AUTH-14
  it("disconnects Yjs and JSON clients that only had the link at once when the owner revokes it, and refuses their reconnect", async () => {
    const { diagramId, roomId } = await sharedDiagram(server, who);
    await setLink(diagramId, "edit");
    const owner = connect(roomId, who.owner.token);
    const yjs = connect(roomId, who.stranger.token);
    await Promise.all([synced(owner), synced(yjs)]);
    const json = await join(roomId, who.stranger.token);
    const viewer = await join(roomId, who.viewer.token);

    await setLink(diagramId, "none");

    await waitFor(() => yjs.closeReasons.includes(CloseReason.AccessRevoked), "the Yjs client to be told access-revoked");
    expect(await json.closed()).toEqual({ code: CloseCode.Forbidden, reason: CloseReason.AccessRevoked });
    await waitFor(() => yjs.authFailure !== undefined, "the Yjs reconnect to be refused");
    expect(yjs.authFailure).toBe(CloseReason.PermissionDenied);
    // People with their own share stay, with their own role.
    expect(viewer.closeEvent).toBeUndefined();
    addTable(owner.doc, "after-the-link");
    await acknowledged(owner);
    expect(owner.closeReasons).toEqual([]);
    expect(tableNames(owner.doc)).toEqual(["after-the-link"]);
  });

  // SPEC: AUTH-14
  it("makes link editors read-only at once when the link is lowered to view, with a second AuthSuccess for JSON clients", async () => {
    const { diagramId, roomId } = await sharedDiagram(server, who);
    await setLink(diagramId, "edit");
    const yjs = connect(roomId, who.stranger.token);
    await synced(yjs);
    expect(yjs.provider.authorizedScope).toBe("read-write");
    const json = await join(roomId, who.stranger.token);
    expect(json.all("AuthSuccess")).toHaveLength(1);

    await setLink(diagramId, "view");

    await waitFor(() => yjs.provider.authorizedScope === "readonly", "the Yjs client's scope to become readonly");
    const second = await json.next("AuthSuccess", () => true, 1);
    expect(second).toMatchObject({ role: "viewer", read_only: true });
    const refused = await json.op({ type: "CreateTable", name: "nope", x: 0, y: 0 });
    expect(refused).toMatchObject({ type: "Error", code: "read_only" });
  });

  // SPEC: AUTH-14
  it("lets only the owner set link access", async () => {
    const { diagramId } = await sharedDiagram(server, who);
    for (const actor of [who.editor, who.viewer, who.stranger]) {
      const refused = await call("PATCH", `/api/diagrams/${diagramId}`, actor.token, { link_access: "edit" });
      expect(refused.status).toBe(403);
    }
    expect((await call("GET", `/api/diagrams/${diagramId}`, who.owner.token)).body.link_access).toBe("none");
  });
});
