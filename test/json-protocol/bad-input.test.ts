/**
 * Bad input on the JSON endpoint: each gets a clear `Error` (or `AuthFailure` and a close code) and
 * changes nothing; the connection survives a bad message but not a flood of them.
 */
import { describe, expect, it } from "vitest";
import { CloseCode, CloseReason } from "../../src/close-codes.ts";
import { ErrorCode } from "../../src/json-protocol/messages.ts";
import { readSchema } from "../../src/schema-doc/index.ts";
import { liveShareFixture } from "../helpers/fixture.ts";
import type { TestServer } from "../helpers/server.ts";
import { waitFor } from "../helpers/wait.ts";
import { JsonClient } from "../helpers/json-client.ts";

describe("bad input on the JSON endpoint", () => {
  const live = liveShareFixture();
  const connect = () => live.openJson();
  const join = (token: string, roomId: string) => live.join(roomId, token);
  const lastError = (client: JsonClient) => client.all("Error").at(-1);

  // SPEC: JSON-2, JSON-7
  it("answers malformed JSON, non-objects, unknown types and wrong fields with an Error, and keeps the connection", async () => {
    const server = await live.start();
    const { token, roomId } = await server.api.room();
    const client = await connect();
    const cases: Array<[string, string, RegExp]> = [
      ["{not json", ErrorCode.InvalidMessage, /not valid JSON/],
      ["[1,2]", ErrorCode.InvalidMessage, /JSON object/],
      ["null", ErrorCode.InvalidMessage, /JSON object/],
      ['{"type":"Teleport"}', ErrorCode.UnknownType, /unknown message type "Teleport"/],
      ['{"no":"type"}', ErrorCode.UnknownType, /unknown message type missing/],
      ['{"type":"CursorMove","position":"here"}', ErrorCode.InvalidMessage, /CursorMove: position/],
      ['{"type":"UserViewport","center":[1,2],"zoom":-1}', ErrorCode.InvalidMessage, /UserViewport: zoom/],
      ['{"type":"Auth","token":"t","room_id":"r","admin":true}', ErrorCode.InvalidMessage, /Auth: .*admin/],
    ];
    for (const [frame, code, message] of cases) {
      const errors = client.all("Error").length;
      client.send(frame);
      await waitFor(() => client.all("Error").length > errors, `an Error for ${frame}`);
      expect(lastError(client)).toMatchObject({ code, message: expect.stringMatching(message) });
    }
    client.send({ type: "Auth", token, room_id: roomId });
    await client.next("AuthSuccess");
    expect(client.closeEvent).toBeUndefined();
  });

  // SPEC: JSON-4
  it("refuses anything but Auth before authentication, and a second Auth after it", async () => {
    const server = await live.start();
    const { token, roomId } = await server.api.room();
    const client = await connect();
    client.send({ type: "GraphOp", op: { type: "CreateTable", name: "sneaky", x: 0, y: 0 } });
    await client.next("Error");
    expect(lastError(client)).toMatchObject({ code: ErrorCode.NotAuthenticated });
    client.send({ type: "Auth", token, room_id: roomId });
    await client.next("RoomInfo");
    client.send({ type: "Auth", token, room_id: roomId });
    await client.next("Error", (m) => m.code === ErrorCode.AlreadyAuthenticated);
    expect(client.tables.size).toBe(0);
    expect(readSchema(server.liveshare.core.rooms.get(roomId)!).tables).toEqual([]);
  });

  // SPEC: JSON-4
  it("handles messages sent right after Auth, before AuthSuccess arrived", async () => {
    const server = await live.start();
    const { token, roomId } = await server.api.room();
    const client = await connect();
    client.send({ type: "Auth", token, room_id: roomId });
    client.send({ type: "GraphOp", op: { type: "CreateTable", name: "eager", x: 0, y: 0 }, request_id: 1 });
    const applied = await client.next("OpApplied");
    expect(applied.request_id).toBe(1);
    const order = client.messages.map((m) => m.type);
    expect(order.indexOf("AuthSuccess")).toBeLessThan(order.indexOf("OpApplied"));
  });

  const refusals: Array<[string, (s: TestServer, token: string, roomId: string) => Promise<{ token: string; roomId: string }>, number, string]> = [
    ["a malformed token", async (_s, _t, roomId) => ({ token: "garbage", roomId }), CloseCode.Unauthorized, CloseReason.MalformedToken],
    ["a token with a wrong signature", async (_s, token, roomId) => ({ token: `${token.slice(0, -4)}AAAA`, roomId }), CloseCode.Unauthorized, CloseReason.InvalidSignature],
    [
      "an expired token",
      async (s, _t, roomId) => ({ token: await s.liveshare.core.tokens.issue({ userId: crypto.randomUUID(), name: "old" }, -60), roomId }),
      CloseCode.Unauthorized,
      CloseReason.TokenExpired,
    ],
    ["an unknown room", async (_s, token) => ({ token, roomId: crypto.randomUUID() }), CloseCode.NotFound, CloseReason.UnknownRoom],
    ["a room id that is not a UUID", async (_s, token) => ({ token, roomId: "../../etc/passwd" }), CloseCode.BadRequest, CloseReason.InvalidRoomId],
    [
      "a user without access to the diagram",
      async (s, _t, roomId) => ({ token: (await s.api.login("stranger")).token, roomId }),
      CloseCode.Forbidden,
      CloseReason.PermissionDenied,
    ],
  ];
  for (const [what, credentials, code, reason] of refusals) {
    // SPEC: JSON-5, AUTH-6, CLOSE-1
    it(`refuses ${what} with AuthFailure "${reason}" and close code ${code}`, async () => {
      const server = await live.start();
      const room = await server.api.room();
      const { token, roomId } = await credentials(server, room.token, room.roomId);
      const client = await connect();
      client.send({ type: "Auth", token, room_id: roomId });
      expect(await client.next("AuthFailure")).toEqual({ type: "AuthFailure", reason });
      expect(await client.closed()).toEqual({ code, reason });
      expect(server.liveshare.core.rooms.membersOf(room.roomId)).toEqual([]);
    });
  }

  // SPEC: JSON-11, OP-10
  it("refuses an invalid or impossible operation with an Error naming why, and changes nothing", async () => {
    const server = await live.start();
    const { token, roomId } = await server.api.room();
    const client = await join(token, roomId);
    await client.op({ type: "CreateTable", table_id: "t1", name: "kept", x: 0, y: 0 });
    const before = JSON.stringify(readSchema(server.liveshare.core.rooms.get(roomId)!));
    const invalid = await client.op({ type: "RenameTable", table_id: "t1", name: "" }, "bad-1");
    expect(invalid).toMatchObject({ type: "Error", code: ErrorCode.InvalidOperation, request_id: "bad-1", message: expect.stringMatching(/RenameTable: name/) });
    const missing = await client.op({ type: "DeleteTable", table_id: "nope" });
    expect(missing).toMatchObject({ type: "Error", code: ErrorCode.NotFound });
    const conflict = await client.op({ type: "CreateTable", table_id: "t1", name: "again", x: 0, y: 0 });
    expect(conflict).toMatchObject({ type: "Error", code: ErrorCode.Conflict });
    const unknown = await client.op({ type: "DropDatabase" });
    expect(unknown).toMatchObject({ type: "Error", code: ErrorCode.InvalidOperation });
    expect(JSON.stringify(readSchema(server.liveshare.core.rooms.get(roomId)!))).toBe(before);
    expect((await client.op({ type: "RenameTable", table_id: "t1", name: "still works" })).type).toBe("OpApplied");
  });

  // SPEC: JSON-10
  it("refuses a viewer's GraphOp with read_only and changes nothing", async () => {
    const server = await live.start();
    const owner = await server.api.room();
    const viewer = await server.api.login("viewer");
    await server.api.request("PUT", `/api/diagrams/${owner.diagramId}/shares/${viewer.userId}`, { token: owner.token, body: { permission: "view" } });
    const client = await join(viewer.token, owner.roomId);
    expect(client.all("AuthSuccess")[0]).toMatchObject({ role: "viewer", read_only: true });
    const answer = await client.op({ type: "CreateTable", name: "nope", x: 0, y: 0 });
    expect(answer).toMatchObject({ type: "Error", code: ErrorCode.ReadOnly });
    expect(readSchema(server.liveshare.core.rooms.get(owner.roomId)!).tables).toEqual([]);
    // A viewer's presence is still shared.
    client.send({ type: "CursorMove", position: [3, 4] });
    await waitFor(() => [...server.liveshare.core.rooms.get(owner.roomId)!.awareness.getStates().values()].some((s) => s.cursor?.x === 3), "the viewer's cursor");
  });

  // SPEC: JSON-24
  it("refuses an Awareness state of the wrong shape", async () => {
    const server = await live.start();
    const { token, roomId } = await server.api.room();
    const client = await join(token, roomId);
    client.send({ type: "Awareness", state: { selection: "everything" } });
    expect(await client.next("Error")).toMatchObject({ code: ErrorCode.InvalidMessage, message: expect.stringMatching(/state\.selection/) });
  });

  // SPEC: JSON-1
  it("refuses binary frames", async () => {
    await live.start();
    const client = await connect();
    client.socket.send(Buffer.from([1, 2, 3]));
    expect(await client.next("Error")).toMatchObject({ code: ErrorCode.InvalidMessage, message: expect.stringMatching(/binary/) });
  });

  // SPEC: JSON-8
  it("closes a connection that floods invalid messages, and keeps serving the room", async () => {
    const server = await live.start();
    const { token, roomId } = await server.api.room();
    const flooder = await join(token, roomId);
    const bystander = await join(token, roomId);
    for (let i = 0; i < 40; i++) flooder.send("}{");
    expect(await flooder.closed()).toEqual({ code: CloseCode.BadRequest, reason: "too-many-invalid-messages" });
    expect(flooder.all("Error").length).toBeGreaterThan(0);
    expect((await bystander.op({ type: "CreateTable", name: "fine", x: 0, y: 0 })).type).toBe("OpApplied");
  });

  // SPEC: LIM-5
  it("closes a connection whose message is larger than MAX_MESSAGE_BYTES with 1009", async () => {
    const server = await live.start({ MAX_MESSAGE_BYTES: "2048" });
    const { token, roomId, diagramId } = await server.api.room();
    const client = await join(token, roomId);
    client.send({ type: "GraphOp", op: { type: "CreateTable", name: "x".repeat(4000), x: 0, y: 0 } });
    expect((await client.closed()).code).toBe(1009);
    const { body } = await server.api.request("GET", `/api/diagrams/${diagramId}/schema`, { token });
    expect(body.tables).toEqual([]);
  });
});
