import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Hocuspocus } from "@hocuspocus/server";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { CollabEndpoint, type FrameStage } from "../../src/collab/endpoint.ts";

/** The /collab endpoint alone: a bare Hocuspocus behind it, on a real HTTP server and real sockets. */
async function endpointWith(stages: FrameStage[], heartbeatMs = 30_000): Promise<{ url: string; endpoint: CollabEndpoint; http: Server }> {
  const hocuspocus = new Hocuspocus({ quiet: true });
  const endpoint = new CollabEndpoint(hocuspocus, { maxPayload: 1024, logger: pino({ level: "silent" }), stages, heartbeatMs });
  const http = createServer();
  http.on("upgrade", (request, socket, head) => endpoint.handleUpgrade(request, socket, head));
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  return { url: `ws://127.0.0.1:${(http.address() as AddressInfo).port}/collab`, endpoint, http };
}

function open(url: string, options: WebSocket.ClientOptions = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
}

const closed = (ws: WebSocket) => new Promise<{ code: number; reason: string }>((resolve) => ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() })));

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function started(stages: FrameStage[], heartbeatMs?: number) {
  const setup = await endpointWith(stages, heartbeatMs);
  cleanups.push(async () => {
    await setup.endpoint.close();
    await new Promise<void>((resolve) => setup.http.close(() => resolve()));
  });
  return setup;
}

describe("the /collab endpoint", () => {
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

  it("drops a peer that stops answering pings, and keeps one that answers", async () => {
    const { url } = await started([], 50);
    const silent = await open(url, { autoPong: false });
    const alive = await open(url);
    const silentClosed = closed(silent);
    expect((await silentClosed).code).toBe(1006); // terminated: no close frame
    expect(alive.readyState).toBe(WebSocket.OPEN);
    alive.close();
  });
});
