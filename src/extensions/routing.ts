import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { Extension, onRequestPayload, onUpgradePayload } from "@hocuspocus/server";

/** The WebSocket paths served on the one port. */
export const YJS_PATH = "/collab";
export const JSON_PROTOCOL_PATH = "/api/liveshare/ws";

export interface RoutingOptions {
  /** Every plain HTTP request (the REST API, health, metrics). */
  http: (request: IncomingMessage, response: ServerResponse) => Promise<void>;
  /** Upgrades to `/collab` (Yjs clients); undefined until that endpoint exists. */
  collab: () => UpgradeHandler | undefined;
  /** Upgrades to the JSON protocol; undefined until that endpoint exists. */
  jsonProtocol: () => UpgradeHandler | undefined;
}

interface UpgradeHandler {
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
}

/**
 * One port for everything: HTTP goes to the REST app, `/collab` upgrades to LiveShare's Yjs endpoint
 * (which hands sockets to Hocuspocus), the JSON protocol's path to its own WebSocket server, and any
 * other upgrade gets a JSON 404. Hocuspocus's own WebSocket layer is never used.
 */
export function routing({ http, collab, jsonProtocol }: RoutingOptions): Extension {
  return {
    extensionName: "routing",
    priority: 2000,
    async onRequest({ request, response }: onRequestPayload) {
      await http(request, response);
      // Rejecting with nothing stops Hocuspocus's default "Welcome" response.
      throw null;
    },
    async onUpgrade({ request, socket, head }: onUpgradePayload) {
      const path = new URL(request.url ?? "/", "http://localhost").pathname;
      const endpoint = path === YJS_PATH ? collab() : path === JSON_PROTOCOL_PATH ? jsonProtocol() : undefined;
      if (endpoint) endpoint.handleUpgrade(request, socket, head);
      else refuseUpgrade(socket, `no WebSocket endpoint at ${path}; Yjs clients connect to ${YJS_PATH}`);
      throw null;
    },
  };
}

function refuseUpgrade(socket: Duplex, message: string): void {
  const body = JSON.stringify({ error: { code: "not_found", message } });
  socket.end(`HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
