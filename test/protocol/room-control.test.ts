/**
 * Permission changes reach JSON clients as they reach Yjs clients: revoked users are disconnected
 * with a reason, downgraded users become read-only (and are told), ended sessions and deleted
 * diagrams empty the room.
 */
import { describe, expect, it } from "vitest";
import { CloseCode, CloseReason } from "../../src/close-codes.ts";
import { ErrorCode } from "../../src/protocol/messages.ts";
import { newProvider, synced, type TestProvider } from "../helpers/provider.ts";
import { closeAfterEach } from "../helpers/fixture.ts";
import { newLiveShare, type TestServer } from "../helpers/server.ts";
import { JsonClient } from "./json-client.ts";

describe("room control for JSON clients", () => {
  let server: TestServer;
  const { providers, clients } = closeAfterEach<JsonClient>(() => server);

  /** An owner's room and an editor joined to it over the JSON protocol. */
  const editorInRoom = async () => {
    server = await newLiveShare();
    const owner = await server.api.room("owner");
    const editor = await server.api.login("editor");
    await server.api.request("PUT", `/api/diagrams/${owner.diagramId}/shares/${editor.userId}`, { token: owner.token, body: { permission: "edit" } });
    const client = await JsonClient.join(server.wsUrl, editor.token, owner.roomId);
    clients.push(client);
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
    server = await newLiveShare({ MAX_USERS_PER_ROOM: "1" });
    const owner = await server.api.room("owner");
    const editor = await server.api.login("editor");
    await server.api.request("PUT", `/api/diagrams/${owner.diagramId}/shares/${editor.userId}`, { token: owner.token, body: { permission: "edit" } });
    const first = newProvider(server.wsUrl, owner.roomId, owner.token);
    providers.push(first);
    await synced(first);
    const second = await JsonClient.connect(server.wsUrl);
    clients.push(second);
    second.send({ type: "Auth", token: editor.token, room_id: owner.roomId });
    expect(await second.next("AuthFailure")).toEqual({ type: "AuthFailure", reason: CloseReason.RoomFull });
    expect(await second.closed()).toEqual({ code: CloseCode.RoomFull, reason: CloseReason.RoomFull });
    // The same user's second connection is always admitted.
    const again = await JsonClient.join(server.wsUrl, owner.token, owner.roomId);
    clients.push(again);
    expect(again.all("AuthSuccess")).toHaveLength(1);
  });
});
