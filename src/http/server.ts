import { createServer, type IncomingMessage, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";

/** The WebSocket paths served on the one port. */
export const YJS_PATH = "/collab";
export const JSON_PROTOCOL_PATH = "/api/liveshare/ws";

/** A WebSocket endpoint: takes over an HTTP upgrade for its path. */
export interface UpgradeHandler {
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
}

export interface HttpServerOptions {
  /** Every plain HTTP request (the REST API, health, metrics, the editor). */
  requests: RequestListener;
  /** Upgrades to `/collab`: Yjs clients, handed to Hocuspocus. */
  collab: UpgradeHandler;
  /** Upgrades to the JSON protocol's path. */
  jsonProtocol: UpgradeHandler;
}

/**
 * One port for everything: requests go to the REST app, `/collab` upgrades to the Yjs endpoint, the
 * JSON protocol's path to its endpoint, and any other upgrade gets a JSON 404.
 */
export function createHttpServer({ requests, collab, jsonProtocol }: HttpServerOptions): Server {
  const server = createServer(requests);
  server.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = pathOf(request);
    const endpoint = path === YJS_PATH ? collab : path === JSON_PROTOCOL_PATH ? jsonProtocol : undefined;
    if (endpoint) endpoint.handleUpgrade(request, socket, head);
    else refuseUpgrade(socket, `no WebSocket endpoint at ${path ?? request.url}; Yjs clients connect to ${YJS_PATH}`);
  });
  return server;
}

/**
 * Starts listening on `host:port` and resolves with the bound port (useful with PORT=0); a port
 * that is taken or not allowed rejects with one clear sentence.
 */
export async function listenOn(server: Server, { host, port }: { host: string; port: number }): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => {
      const where = `${host}:${port}`;
      if (error.code === "EADDRINUSE") reject(new Error(`PORT ${port} on HOST ${host} is already in use (another process listens on ${where}); stop it or set PORT`));
      else if (error.code === "EACCES") reject(new Error(`not allowed to listen on ${where} (ports below 1024 need privileges); set PORT`));
      else if (error.code === "EADDRNOTAVAIL") reject(new Error(`HOST ${host} is not an address of this machine; set HOST`));
      else reject(error);
    };
    server.once("error", failed);
    server.listen({ port, host }, () => {
      server.off("error", failed);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/** The request's path; undefined when its target is no URL at all (`//[`, which `URL` refuses). */
function pathOf(request: IncomingMessage): string | undefined {
  try {
    return new URL(request.url ?? "/", "http://localhost").pathname;
  } catch {
    return undefined;
  }
}

function refuseUpgrade(socket: Duplex, message: string): void {
  const body = JSON.stringify({ error: { code: "not_found", message } });
  socket.end(`HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
