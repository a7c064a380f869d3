import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { Hocuspocus } from "@hocuspocus/server";
import { WebSocket, WebSocketServer } from "ws";
import { CloseCode, CloseReason } from "../close-codes.ts";
import type { Logger } from "../logger.ts";
import { coalesceWrites } from "./coalesce.ts";
import { FrameHeaderReader, type FrameHeader } from "./frame.ts";
import type { UnauthenticatedSockets } from "../extensions/unauthenticated.ts";

/** Hocuspocus's per-socket connection (authentication, document connections, message queues). */
export type ClientConnection = ReturnType<Hocuspocus["handleConnection"]>;

/**
 * A step every `/collab` frame passes, in order, before Hocuspocus: the frame guard, the presence
 * router. `take` returns true when the stage took the frame (dropped it, refused the socket, or
 * handled it itself); later stages and Hocuspocus then never see it. A stage never throws.
 */
export interface FrameStage {
  /** `header` is undefined when the frame does not even start with an address and a type. */
  take(frame: Uint8Array, header: FrameHeader | undefined, socket: WebSocket, client: ClientConnection): boolean;
  /** The socket closed (after Hocuspocus was told). */
  closed?(socket: WebSocket): void;
}

export interface CollabEndpointOptions {
  /** MAX_MESSAGE_BYTES: a larger frame closes the socket with 1009. */
  maxPayload: number;
  logger: Logger;
  /** How often silent sockets are pinged; one that has not answered the previous ping is dropped. */
  heartbeatMs?: number;
  /** What every frame passes before Hocuspocus, in order. */
  stages?: FrameStage[];
  /** Counts and times sockets until they authenticate (also one of the `stages`). */
  unauthenticated?: UnauthenticatedSockets;
}

/**
 * The `/collab` WebSocket endpoint: LiveShare's own `ws` server, each accepted socket handed to
 * `hocuspocus.handleConnection` (Hocuspocus's documented entry point for a framework's sockets).
 *
 * Hocuspocus's built-in server reaches the same `handleConnection` through crossws, which wraps every
 * socket in a Proxy (each `send`, `readyState` and `bufferedAmount` Hocuspocus reads goes through a
 * trap) and every incoming frame in a Message object: at 30,000 presence frames a second that layer
 * was about a tenth of the server's CPU. Here a frame goes from `ws` through LiveShare's stages
 * (frame guard, presence router), its header read once for all of them, to the connection's
 * `handleMessage`.
 */
export class CollabEndpoint {
  private readonly wss: WebSocketServer;
  private readonly heartbeat: NodeJS.Timeout;
  /** Per socket: whether it showed a sign of life (a frame, a ping or a pong) since the last heartbeat. */
  private readonly liveness = new WeakMap<WebSocket, { alive: boolean }>();

  constructor(
    private readonly hocuspocus: Hocuspocus,
    private readonly options: CollabEndpointOptions,
  ) {
    // No subprotocol is chosen (as Hocuspocus's server); no compression (Yjs updates are binary and small).
    this.wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayload, perMessageDeflate: false, handleProtocols: () => false });
    this.heartbeat = setInterval(() => this.ping(), options.heartbeatMs ?? 30_000);
    this.heartbeat.unref();
  }

  /** Takes over an HTTP upgrade for `/collab`. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      try {
        this.accept(ws, request);
      } catch (error) {
        // Whatever the request carried, it costs this one socket, never the process.
        this.options.logger.error({ err: error }, "could not accept a websocket; socket closed");
        ws.terminate();
      }
    });
  }

  /**
   * Closes every socket still open (`server-shutdown`) and stops accepting. A client that does not
   * answer the close within `graceMs` is cut off: one dead peer must not hold up a shutdown.
   */
  async close(graceMs = 1_000): Promise<void> {
    clearInterval(this.heartbeat);
    const open = [...this.wss.clients];
    const gone = open.map((ws) => new Promise<void>((resolve) => (ws.readyState === WebSocket.CLOSED ? resolve() : ws.once("close", () => resolve()))));
    for (const ws of open) ws.close(CloseCode.ServerShutdown, CloseReason.ServerShutdown);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(gone), new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    for (const ws of this.wss.clients) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private accept(ws: WebSocket, request: IncomingMessage): void {
    const { logger } = this.options;
    logger.trace({ path: request.url }, "websocket connection accepted");
    const { unauthenticated } = this.options;
    const admitted = unauthenticated?.admit(ws, request.socket.remoteAddress ?? "", () => {
      logger.info("no authentication in time; socket closed");
      ws.close(CloseCode.Timeout, CloseReason.AuthTimeout);
    });
    if (admitted === false) return;
    coalesceWrites(ws);
    const webRequest = webRequestOf(request);
    unauthenticated?.track(webRequest, ws);
    const client = this.hocuspocus.handleConnection(ws, webRequest);
    const stages = this.options.stages ?? [];
    const headers = new FrameHeaderReader();
    let failed = false;
    const liveness = { alive: true };
    this.liveness.set(ws, liveness);
    const alive = () => {
      liveness.alive = true;
    };
    ws.on("message", (data: Buffer) => {
      // Any frame shows the peer alive, as a pong does (a pong can queue behind a long upload).
      liveness.alive = true;
      if (failed) return;
      try {
        const header = headers.read(data);
        for (const stage of stages) if (stage.take(data, header, ws, client)) return;
        client.handleMessage(data);
      } catch (error) {
        // A bug, not the client's doing; it must not take the process (and every other room) down.
        failed = true;
        logger.error({ err: error }, "frame handling failed; socket closed");
        ws.close(CloseCode.InternalError, CloseReason.InternalError);
      }
    });
    ws.on("pong", alive);
    ws.on("ping", alive);
    ws.on("close", (code, reason) => {
      client.handleClose({ code, reason: reason.toString() });
      for (const stage of stages) stage.closed?.(ws);
    });
    // `ws` closes the socket itself after an error (1009 too big, 1002/1007 bad frames): say why, quietly.
    ws.on("error", (error: Error & { code?: string }) => logger.info({ error: error.message, wsCode: error.code }, "websocket error; socket closed"));
  }

  private ping(): void {
    for (const ws of this.wss.clients) {
      const liveness = this.liveness.get(ws);
      if (!liveness) continue;
      if (!liveness.alive) {
        ws.terminate();
        continue;
      }
      liveness.alive = false;
      if (ws.readyState === WebSocket.OPEN) ws.ping();
    }
  }
}

/** The upgrade request as the web `Request` Hocuspocus hands to hooks (`requestHeaders`, `requestParameters`). */
function webRequestOf(request: IncomingMessage): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      try {
        headers.append(name, item);
      } catch {
        // A value the Fetch API refuses (Node's parser lets a few through): the hooks never see it.
      }
    }
  }
  // Only the path and query matter to hooks (`requestParameters`); the host part is the client's to
  // make up, and a URL with credentials in it is one `Request` refuses.
  let url: URL;
  try {
    url = new URL(request.url ?? "/", "http://localhost");
  } catch {
    url = new URL("http://localhost/");
  }
  return new Request(new URL(`${url.pathname}${url.search}`, "http://localhost"), { headers });
}
