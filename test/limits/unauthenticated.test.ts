/**
 * Regression tests for issue #14, defects 4 and 5: sockets that have not authenticated cannot pin
 * memory (bounded in number per address and in all, in bytes per socket and in all, and in time),
 * and a client-chosen document name that is not a room id never reaches Hocuspocus, which would
 * print it verbatim (newlines and all: a forged log line).
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import * as Y from "yjs";
import { CloseCode, CloseReason } from "../../src/close-codes.ts";
import { liveShareFixture } from "../helpers/fixture.ts";
import type { TestServer } from "../helpers/server.ts";
import { encodeAwarenessEntries } from "../../src/collab/wire.ts";
import { waitFor } from "../helpers/wait.ts";
import { actors, sharedDiagram } from "../helpers/users.ts";
import { JsonClient } from "../helpers/json-client.ts";
import { RawClient, frames } from "../helpers/raw-client.ts";

/** An awareness frame of about `bytes` bytes for `room` (one state with a long string in it). */
function bigAwareness(room: string, bytes: number): Uint8Array {
  return frames.awareness(room, encodeAwarenessEntries([{ clientId: 4242, clock: 1, state: { filler: "x".repeat(bytes) } }]));
}

describe("sockets that have not authenticated", () => {
  const live = liveShareFixture();
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const start = (env: Record<string, string>) => live.start(env);
  const raw = async (s: TestServer) => live.track(await RawClient.open(s.wsUrl));
  const unauthenticated = (s: TestServer) => s.liveshare.core.hocuspocus.configuration.extensions.find((e) => e.extensionName === "unauthenticated-sockets") as unknown as { count: number; bytes: number };

  // SPEC: LIM-9
  it("refuses a socket beyond MAX_UNAUTHENTICATED_PER_ADDRESS with too-many-connections, and admits one again once another authenticates", async () => {
    const s = await start({ MAX_UNAUTHENTICATED_PER_ADDRESS: "3" });
    const who = await actors(s, "unauth");
    const { roomId } = await sharedDiagram(s, who);
    const waiting = [await raw(s), await raw(s), await raw(s)];
    const refused = await raw(s);
    expect(await refused.closed()).toEqual({ code: CloseCode.TryAgainLater, reason: CloseReason.TooManyConnections });
    // Both endpoints share the count.
    const json = live.track(await JsonClient.connect(s.wsUrl));
    expect(await json.closed()).toEqual({ code: CloseCode.TryAgainLater, reason: CloseReason.TooManyConnections });

    expect(await waiting[0]!.authenticate(roomId, who.viewer.token)).toMatchObject({ type: "authenticated" });
    const admitted = await raw(s);
    expect(await admitted.authenticate(roomId, who.editor.token)).toMatchObject({ type: "authenticated" });
    expect(waiting.every((w) => w.open)).toBe(true);
  });

  // SPEC: LIM-9
  it("refuses a socket beyond MAX_UNAUTHENTICATED in all, whatever its address", async () => {
    const s = await start({ MAX_UNAUTHENTICATED: "2" });
    await raw(s);
    live.track(await JsonClient.connect(s.wsUrl));
    const refused = await raw(s);
    expect(await refused.closed()).toEqual({ code: CloseCode.TryAgainLater, reason: CloseReason.TooManyConnections });
    expect(unauthenticated(s).count).toBe(2);
  });

  // SPEC: LIM-9
  it("closes a /collab socket that sends more than UNAUTHENTICATED_BYTES_PER_SOCKET before authenticating, and forgets what it held", async () => {
    const s = await start({ UNAUTHENTICATED_BYTES_PER_SOCKET: String(64 * 1024) });
    const flooder = await raw(s);
    // Early awareness for rooms it never authenticates to: held until then, in the attack.
    for (let i = 0; i < 8; i++) flooder.send(bigAwareness(crypto.randomUUID(), 20 * 1024));
    expect(await flooder.closed()).toEqual({ code: CloseCode.TryAgainLater, reason: CloseReason.UnauthenticatedBufferFull });
    await waitFor(() => unauthenticated(s).count === 0, "the socket to be forgotten");
    expect(unauthenticated(s).bytes).toBe(0);
  });

  // SPEC: LIM-9
  it("closes sockets once what all unauthenticated sockets sent together passes UNAUTHENTICATED_BYTES_TOTAL", async () => {
    const s = await start({ UNAUTHENTICATED_BYTES_PER_SOCKET: String(64 * 1024), UNAUTHENTICATED_BYTES_TOTAL: String(100 * 1024) });
    const first = await raw(s);
    first.send(bigAwareness(crypto.randomUUID(), 60 * 1024));
    await waitFor(() => unauthenticated(s).bytes > 60 * 1024, "the first socket's frame to be held");
    const second = await raw(s);
    second.send(bigAwareness(crypto.randomUUID(), 60 * 1024));
    expect(await second.closed()).toEqual({ code: CloseCode.TryAgainLater, reason: CloseReason.UnauthenticatedBufferFull });
    expect(first.open).toBe(true);
  });

  // SPEC: LIM-9
  it("closes a JSON socket whose messages queued behind its Auth pass UNAUTHENTICATED_BYTES_PER_SOCKET", async () => {
    const s = await start({ UNAUTHENTICATED_BYTES_PER_SOCKET: String(32 * 1024) });
    const who = await actors(s, "unauth-json");
    const { roomId } = await sharedDiagram(s, who);
    const json = live.track(await JsonClient.connect(s.wsUrl));
    json.send({ type: "Auth", token: who.editor.token, room_id: roomId });
    for (let i = 0; i < 10; i++) json.send({ type: "Awareness", state: { filler: "x".repeat(8 * 1024) } });
    // Sent in the same step as Auth, they arrive while it is being checked (a database round trip).
    expect(await json.closed()).toEqual({ code: CloseCode.TryAgainLater, reason: CloseReason.UnauthenticatedBufferFull });
    expect(json.all("AuthSuccess")).toEqual([]);
    await waitFor(() => unauthenticated(s).count === 0, "the socket to be forgotten");
    expect(unauthenticated(s).bytes).toBe(0);
  });

  // SPEC: LIM-9
  it("closes a /collab socket that does not authenticate within AUTH_TIMEOUT_MS with auth-timeout; an authenticated one stays", async () => {
    const s = await start({ AUTH_TIMEOUT_MS: "300" });
    const who = await actors(s, "deadline");
    const { roomId } = await sharedDiagram(s, who);
    const idle = await raw(s);
    const member = await raw(s);
    await member.join(roomId, who.viewer.token);
    expect(await idle.closed()).toEqual({ code: CloseCode.Timeout, reason: CloseReason.AuthTimeout });
    expect(member.open).toBe(true);
    const json = live.track(await JsonClient.connect(s.wsUrl));
    expect(await json.closed()).toEqual({ code: CloseCode.Timeout, reason: CloseReason.AuthTimeout });
  });

  // SPEC: LIM-10
  it("answers a document name that is not a room id itself, before anything prints it (no forged log line)", async () => {
    const s = await start({});
    const who = await actors(s, "forging");
    const forged = `x\n{"level":60,"msg":"forged"}\n`;
    const printed = [vi.spyOn(console, "error"), vi.spyOn(console, "warn"), vi.spyOn(console, "log")];
    const client = await raw(s);
    client.send(frames.auth(forged, who.owner.token));
    const answer = await client.next((f): f is Extract<typeof f, { type: "permission-denied" }> => f.type === "permission-denied", 0, "the refusal");
    expect(answer).toEqual({ room: forged, type: "permission-denied", reason: CloseReason.InvalidRoomId });
    // Whatever else it sends for that name (the queue-limit and pending-document warnings name it) is dropped.
    for (let i = 0; i < 200; i++) client.send(frames.syncStep1(`${forged}${i}`, new Y.Doc()));
    client.send(frames.queryAwareness(forged));
    const { roomId } = await sharedDiagram(s, who);
    expect(await client.authenticate(roomId, who.owner.token)).toMatchObject({ type: "authenticated" });
    for (const spy of printed) expect(spy.mock.calls.flat().join(" ")).not.toContain("forged");
    expect(client.received.some((f) => f.room !== forged && f.room !== roomId)).toBe(false);
  });
});
