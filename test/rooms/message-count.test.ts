import { describe, expect, it } from "vitest";
import { applyOperation } from "../../src/schema-doc/index.ts";
import { liveShareFixture } from "../helpers/fixture.ts";
import { acknowledged } from "../helpers/provider.ts";

describe("a session's message_count and last_message_at", () => {
  const live = liveShareFixture();
  const session = async (roomId: string, token: string) => {
    const { status, body } = await live.server.api.request("GET", `/api/liveshare/sessions/${roomId}`, { token });
    expect(status).toBe(200);
    return body as { message_count: number; last_message_at: string | null };
  };
  /** A server flushing counts every `flushMs`, and an owner's Yjs client whose one edit was acknowledged. */
  const afterOneEdit = async (flushMs: string) => {
    const server = await live.start({ MESSAGE_COUNT_FLUSH_MS: flushMs });
    const { token, roomId } = await server.api.room();
    const yjs = await live.connectSynced(roomId, token);
    applyOperation(yjs.doc, { type: "CreateTable", name: "t", x: 0, y: 0 }, "t");
    await acknowledged(yjs);
    return { server, token, roomId };
  };

  // SPEC: REST-6
  it("counts the messages of Yjs and JSON clients in the room and when the last one arrived", async () => {
    const server = await live.start({ MESSAGE_COUNT_FLUSH_MS: "3600000" });
    const { token, roomId } = await server.api.room();
    expect(await session(roomId, token)).toMatchObject({ message_count: 0, last_message_at: null });

    const started = Date.now();
    const yjs = await live.connectSynced(roomId, token);
    applyOperation(yjs.doc, { type: "CreateTable", name: "from yjs", x: 0, y: 0 }, "t");
    await acknowledged(yjs);
    const json = await live.join(roomId, token);
    expect((await json.op({ type: "CreateTable", name: "from json", x: 1, y: 1 })).type).toBe("OpApplied");
    await server.liveshare.core.messageCounts.flush();

    const afterEdits = await session(roomId, token);
    // At least the Yjs client's update and the JSON client's GraphOp (sync and awareness frames count too).
    expect(afterEdits.message_count).toBeGreaterThanOrEqual(2);
    expect(Date.parse(afterEdits.last_message_at!)).toBeGreaterThanOrEqual(started - 1000);

    expect((await json.op({ type: "CreateTable", name: "one more", x: 2, y: 2 })).type).toBe("OpApplied");
    await server.liveshare.core.messageCounts.flush();
    expect((await session(roomId, token)).message_count).toBe(afterEdits.message_count + 1);
  });

  it("writes the counts in batches, not once per message", async () => {
    const server = await live.start({ MESSAGE_COUNT_FLUSH_MS: "3600000" });
    const { token, roomId } = await server.api.room();
    const yjs = await live.connectSynced(roomId, token);
    for (let i = 0; i < 20; i++) {
      applyOperation(yjs.doc, { type: "CreateTable", name: `t${i}`, x: i, y: 0 }, "t");
      await acknowledged(yjs);
    }
    // Twenty acknowledged edits, and the database has not been written yet.
    expect((await session(roomId, token)).message_count).toBe(0);

    await server.liveshare.core.messageCounts.flush();
    expect((await session(roomId, token)).message_count).toBeGreaterThanOrEqual(20);
  });

  it("writes what is left when the server stops", async () => {
    const { server, roomId } = await afterOneEdit("3600000");

    await server.liveshare.close();

    const stored = await server.liveshare.core.sessions.get(roomId);
    expect(stored!.message_count).toBeGreaterThan(0);
    expect(stored!.last_message_at).not.toBeNull();
  });

  it("is written every MESSAGE_COUNT_FLUSH_MS on its own", async () => {
    const { token, roomId } = await afterOneEdit("50");
    await expect.poll(async () => (await session(roomId, token)).message_count).toBeGreaterThan(0);
  });
});
