import { randomBytes } from "node:crypto";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { Hocuspocus } from "@hocuspocus/server";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { CoalescedWrites } from "../../src/collab/coalesce.ts";
import { CollabEndpoint } from "../../src/collab/endpoint.ts";
import type { FrameStage, OutgoingStage, PassFrame, SocketOutput } from "../../src/collab/stages.ts";
import { MessageType } from "../../src/collab/wire.ts";

/**
 * The /collab endpoint alone: a bare Hocuspocus behind it, on a real HTTP server and real sockets,
 * `outgoing` before its writes are coalesced, as LiveShare's are.
 */
async function endpointWith(
  stages: FrameStage[],
  heartbeatMs = 30_000,
  outgoing: OutgoingStage[] = [],
): Promise<{ url: string; endpoint: CollabEndpoint; http: Server; writes: CoalescedWrites }> {
  const hocuspocus = new Hocuspocus({ quiet: true });
  const writes = new CoalescedWrites();
  const endpoint = new CollabEndpoint(hocuspocus, {
    maxPayload: 1024,
    logger: pino({ level: "silent" }),
    stages,
    outgoing: [...outgoing, writes],
    heartbeatMs,
  });
  const http = createServer();
  http.on("upgrade", (request, socket, head) => endpoint.handleUpgrade(request, socket, head));
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  return { url: `ws://127.0.0.1:${(http.address() as AddressInfo).port}/collab`, endpoint, http, writes };
}

function open(url: string, options: WebSocket.ClientOptions = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
}

/** A raw WebSocket handshake with the request line and headers as given; resolves with the status and socket. */
function handshake(url: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; socket: Socket }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({
      host: "127.0.0.1",
      port,
      path,
      headers: { Connection: "Upgrade", Upgrade: "websocket", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": randomBytes(16).toString("base64"), ...headers },
    });
    req.on("upgrade", (response, socket) => resolve({ status: response.statusCode ?? 0, socket }));
    req.on("response", (response) => resolve({ status: response.statusCode ?? 0, socket: response.socket }));
    req.on("error", reject);
    req.end();
  });
}

const closed = (ws: WebSocket) => new Promise<{ code: number; reason: string }>((resolve) => ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() })));

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function started(stages: FrameStage[], heartbeatMs?: number, outgoing?: OutgoingStage[]) {
  const setup = await endpointWith(stages, heartbeatMs, outgoing);
  cleanups.push(async () => {
    await setup.endpoint.close();
    await new Promise<void>((resolve) => setup.http.close(() => resolve()));
  });
  return setup;
}

describe("the /collab endpoint", () => {
  // SPEC: CLOSE-5
  it("closes only the socket whose frame a stage fails on (1011 internal-error); the process and other sockets go on", async () => {
    const seen: string[] = [];
    const stage: FrameStage = {
      take(frame, header) {
        if (header?.room === "boom") throw new Error("a bug in a stage");
        seen.push(header?.room ?? "?");
        return true;
      },
    };
    const { url } = await started([stage]);
    const victim = await open(url);
    const bystander = await open(url);
    const victimClosed = closed(victim);
    // A frame for room "boom": varString address, then the awareness type (1).
    victim.send(Uint8Array.from([4, ...Buffer.from("boom"), 1]));
    expect(await victimClosed).toEqual({ code: 1011, reason: "internal-error" });
    bystander.send(Uint8Array.from([4, ...Buffer.from("calm"), 1]));
    await expect.poll(() => seen).toContain("calm");
    expect(bystander.readyState).toBe(WebSocket.OPEN);
    bystander.close();
  });

  it("reads each frame's header once for every stage, and undefined for a frame too short to have one", async () => {
    const headers: Array<{ room: string; type: number } | undefined> = [];
    const record: FrameStage = { take: (_frame, header) => (headers.push(header && { room: header.room, type: header.type }), false) };
    const passOn: FrameStage = { take: () => true };
    const { url } = await started([record, passOn]);
    const ws = await open(url);
    ws.send(Uint8Array.from([5, ...Buffer.from("r1\u0000s1"), 0]));
    ws.send(Uint8Array.from([9]));
    await expect.poll(() => headers.length).toBe(2);
    expect(headers).toEqual([{ room: "r1", type: 0 }, undefined]);
    ws.close();
  });

  it("sends every frame through the outgoing stages in order, and a held frame on from the stage after the one that held it", async () => {
    const seen: string[] = [];
    const held: Array<{ frame: Uint8Array; next: PassFrame; output: SocketOutput }> = [];
    /** A frame for room "r" of `type`, with one body byte. */
    const frameOf = (type: number) => Uint8Array.from([1, 0x72, type, 0]);
    const hold: OutgoingStage = {
      attach: (_socket, next, output) => (frame, header) => {
        seen.push(`hold ${header?.type}`);
        if (header?.type === MessageType.SyncStatus) held.push({ frame, next, output });
        else next(frame, header);
      },
    };
    const replace: OutgoingStage = {
      attach: (_socket, next, output) => (frame, header) => {
        seen.push(`replace ${header?.type}`);
        if (header?.type !== MessageType.Awareness) return next(frame, header);
        const other = frameOf(MessageType.Stateless);
        next(other, output.header(other));
      },
    };
    const count: OutgoingStage = {
      attach: (_socket, next) => (frame, header) => {
        seen.push(`count ${header?.type}`);
        next(frame, header);
      },
    };
    let server: WebSocket | undefined;
    const { url } = await started([{ take: (_frame, _header, socket) => ((server = socket), true) }], undefined, [hold, replace, count]);
    const ws = await open(url);
    const received: number[] = [];
    ws.on("message", (data: Buffer) => received.push(data[2]!));
    ws.send(frameOf(MessageType.Sync));
    await expect.poll(() => server).toBeDefined();

    server!.send(frameOf(MessageType.Awareness));
    server!.send(frameOf(MessageType.SyncStatus));
    expect(seen).toEqual(["hold 1", "replace 1", "count 5", "hold 8"]);
    await expect.poll(() => received).toEqual([MessageType.Stateless]);

    held[0]!.output.resume(held[0]!.next, held[0]!.frame);
    expect(seen.slice(4)).toEqual(["replace 8", "count 8"]);
    await expect.poll(() => received).toEqual([MessageType.Stateless, MessageType.SyncStatus]);
    ws.close();
  });

  // SPEC: CLOSE-5
  it("closes the socket (1011 internal-error) rather than send a frame an outgoing stage failed on", async () => {
    const failing: OutgoingStage = {
      attach: (_socket, next) => (frame, header) => {
        if (header?.room === "boom") throw new Error("a bug in a stage");
        next(frame, header);
      },
    };
    let server: WebSocket | undefined;
    const { url } = await started([{ take: (_frame, _header, socket) => ((server = socket), true) }], undefined, [failing]);
    const ws = await open(url);
    const received: Buffer[] = [];
    ws.on("message", (data: Buffer) => received.push(data));
    const wsClosed = closed(ws);
    ws.send(Uint8Array.from([1, 0x72, MessageType.Sync, 0]));
    await expect.poll(() => server).toBeDefined();
    server!.send(Uint8Array.from([4, ...Buffer.from("boom"), MessageType.Awareness]));
    expect(await wsClosed).toEqual({ code: 1011, reason: "internal-error" });
    expect(received).toEqual([]);
  });

  // SPEC: LIM-8
  it("drops a peer that stops answering pings, and keeps one that answers", async () => {
    const { url } = await started([], 50);
    const silent = await open(url, { autoPong: false });
    const alive = await open(url);
    const silentClosed = closed(silent);
    expect((await silentClosed).code).toBe(1006); // terminated: no close frame
    expect(alive.readyState).toBe(WebSocket.OPEN);
    alive.close();
  });

  it("accepts an upgrade whose Host or request URL carries credentials (a web Request refuses those) and stays up", async () => {
    const rooms: string[] = [];
    const { url } = await started([{ take: (_frame, header) => (rooms.push(header?.room ?? "?"), true) }]);
    const withHost = await handshake(url, "/collab", { Host: "a:b@c" });
    const absolute = await handshake(url, "http://u:p@x/collab?x=1");
    expect([withHost.status, absolute.status]).toEqual([101, 101]);
    // Both connections work: a masked binary frame (mask 0) with address "a" / "b" and type 1 reaches the stages.
    withHost.socket.write(Uint8Array.from([0x82, 0x80 | 3, 0, 0, 0, 0, 1, 0x61, 1]));
    absolute.socket.write(Uint8Array.from([0x82, 0x80 | 3, 0, 0, 0, 0, 1, 0x62, 1]));
    await expect.poll(() => [...rooms].sort()).toEqual(["a", "b"]);
    withHost.socket.destroy();
    absolute.socket.destroy();
    const ws = await open(url);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.close();
  });

  // SPEC: CLOSE-6
  it("shuts down within its grace period when a peer never answers the close", async () => {
    const { url, endpoint } = await started([]);
    // Upgraded, then deaf: it never reads, so it never answers the close frame.
    const deaf = await handshake(url, "/collab");
    expect(deaf.status).toBe(101);
    deaf.socket.pause();
    const polite = await open(url);
    const politeClosed = closed(polite);
    // Without the grace period this waits for ws's 30 s close timeout (and the test times out).
    await endpoint.close(300);
    expect((await politeClosed).code).toBe(4001);
    // The server cut the deaf peer off: reading again, it finds its connection gone.
    const deafCut = new Promise<void>((resolve) => deaf.socket.once("close", () => resolve()));
    deaf.socket.resume();
    await deafCut;
  });

  it("counts frames waiting for this step's uncork apart from the send backlog", async () => {
    let server: WebSocket | undefined;
    const stage: FrameStage = {
      take(_frame, _header, socket) {
        server = socket;
        return true;
      },
    };
    const { url, writes } = await started([stage]);
    const ws = await open(url);
    ws.send(Uint8Array.from([1, 0x61, 1]));
    await expect.poll(() => server).toBeDefined();
    // In one step: a large frame goes out (corked), and the backlog before it was nothing.
    server!.send(new Uint8Array(300 * 1024));
    expect(server!.bufferedAmount).toBeGreaterThan(300 * 1024);
    expect(writes.backlog(server!)).toBe(0);
    ws.close();
  });
});
