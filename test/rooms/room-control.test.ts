/**
 * Permission changes reach JSON clients as they reach Yjs clients: revoked users are disconnected
 * with a reason, downgraded users become read-only (and are told), ended sessions and deleted
 * diagrams empty the room.
 */
import { describe, expect, it } from "vitest";
import { CloseCode, CloseReason } from "../../src/close-codes.ts";
import { ErrorCode } from "../../src/json-protocol/messages.ts";
import { liveShareFixture } from "../helpers/fixture.ts";

describe("room control for JSON clients", () => {
  const live = liveShareFixture();
  const server = live.server;

  /** An owner's room and an editor joined to it over the JSON protocol. */
  const editorInRoom = async () => {
    await live.start();
    const owner = await server.api.room("owner");
    const editor = await server.api.member(owner, "editor");
    const client = await live.join(owner.roomId, editor.token);
    return { owner, editor, client };
  };

  // SPEC: AUTH-8
  it("disconnects a JSON client whose share is removed, with access-revoked", async () => {
    const { owner, editor, client } = await editorInRoom();
    await server.api.request("DELETE", `/api/diagrams/${owner.diagramId}/shares/${editor.userId}`, { token: owner.token });
    expect(await client.closed()).toEqual({ code: CloseCode.Forbidden, reason: CloseReason.AccessRevoked });
    expect(server.liveshare.core.rooms.usersPresent(owner.roomId)).toEqual([]);
  });

  // SPEC: AUTH-9, JSON-21
  it("makes a downgraded JSON client read-only at once and tells it so", async () => {
    const { owner, editor, client } = await editorInRoom();
    expect((await client.op({ type: "CreateTable", name: "allowed", x: 0, y: 0 })).type).toBe("OpApplied");
    await server.api.request("PUT", `/api/diagrams/${owner.diagramId}/shares/${editor.userId}`, { token: owner.token, body: { permission: "view" } });
    expect(await client.next("AuthSuccess", (m) => m.read_only)).toMatchObject({ role: "viewer", read_only: true });
    expect(await client.op({ type: "CreateTable", name: "refused", x: 0, y: 0 })).toMatchObject({ type: "Error", code: ErrorCode.ReadOnly });
    expect(server.liveshare.core.rooms.usersPresent(owner.roomId)).toEqual([expect.objectContaining({ user_id: editor.userId, read_only: true })]);
  });

  // SPEC: AUTH-10
  it("disconnects every JSON client of an ended session with session-ended", async () => {
    const { owner, client } = await editorInRoom();
    const { status } = await server.api.request("DELETE", `/api/liveshare/sessions/${owner.roomId}`, { token: owner.token });
    expect(status).toBe(204);
    expect(await client.closed()).toEqual({ code: CloseCode.Gone, reason: CloseReason.SessionEnded });
  });

  // SPEC: AUTH-10
  it("disconnects every JSON client of a deleted diagram with diagram-deleted", async () => {
    const { owner, client } = await editorInRoom();
    await server.api.request("DELETE", `/api/diagrams/${owner.diagramId}`, { token: owner.token });
    expect(await client.closed()).toEqual({ code: CloseCode.Gone, reason: CloseReason.DiagramDeleted });
  });

  // SPEC: CLOSE-6
  it("closes JSON clients with server-shutdown when the server stops", async () => {
    const { client } = await editorInRoom();
    await server.liveshare.close();
    expect(await client.closed()).toEqual({ code: CloseCode.ServerShutdown, reason: CloseReason.ServerShutdown });
  });

  // SPEC: LIM-6
  it("refuses a JSON client with room-full when the room already has MAX_USERS_PER_ROOM users, Yjs users included", async () => {
    await live.start({ MAX_USERS_PER_ROOM: "1" });
    const owner = await server.api.room("owner");
    const editor = await server.api.member(owner, "editor");
    await live.connectSynced(owner.roomId, owner.token);
    const second = await live.openJson();
    second.send({ type: "Auth", token: editor.token, room_id: owner.roomId });
    expect(await second.next("AuthFailure")).toEqual({ type: "AuthFailure", reason: CloseReason.RoomFull });
    expect(await second.closed()).toEqual({ code: CloseCode.RoomFull, reason: CloseReason.RoomFull });
    // The same user's second connection is always admitted.
    const again = await live.join(owner.roomId, owner.token);
    expect(again.all("AuthSuccess")).toHaveLength(1);
  });
});
