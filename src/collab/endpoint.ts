import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { Hocuspocus } from "@hocuspocus/server";
import { WebSocket, WebSocketServer } from "ws";
import { CloseCode, CloseReason } from "../close-codes.ts";
import type { Logger } from "../logger.ts";

import { FrameHeaderReader, type FrameHeader } from "./wire.ts";
import type { ClientConnection, FrameStage, OutgoingStage, PassFrame, SocketOutput } from "./stages.ts";
import type { UnauthenticatedSockets } from "../limits/unauthenticated.ts";

export interface CollabEndpointOptions {
  /** MAX_MESSAGE_BYTES: a larger frame closes the socket with 1009. */
  maxPayload: number;
  logger: Logger;
  /** How often silent sockets are pinged; one that has not answered the previous ping is dropped. */
  heartbeatMs?: number;
  /** What every frame passes before Hocuspocus, in order. */
  stages?: FrameStage[];
  /** What every frame sent passes before the socket writes it, in order. */
  outgoing?: OutgoingStage[];
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
 * `handleMessage`; a frame sent goes through the outgoing stages the same way.
 */
export class CollabEndpoint {
  private readonly wss: WebSocketServer;
  private readonly heartbeat: NodeJS.Timeout;
  /** Per socket: whether it showed a sign of life (a frame, a ping or a pong) since the last heartbeat. */
  private readonly liveness = new WeakMap<WebSocket, { alive: boolean }>();
  private readonly lastSent: LastSent = { frame: undefined, header: undefined };

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
    const outgoing = this.options.outgoing ?? [];
    if (outgoing.length > 0) Output.wrap(ws, outgoing, this.lastSent, logger);
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

/**
 * The last frame sent on any of the endpoint's sockets and its header. Hocuspocus encodes a broadcast
 * once and sends the same bytes to every connection of the room: the sockets after the first find the
 * header read already.
 */
interface LastSent {
  frame: Uint8Array | undefined;
  /** Always the header of `frame`: whenever the reader it belongs to reads again, `frame` changes too. */
  header: FrameHeader | undefined;
}

/**
 * A socket's one `send` wrapper. Hocuspocus (its document connections and its authentication answers)
 * and the frame guard send each frame as `send(frame)`; every such frame goes through the outgoing
 * stages and then to `ws`'s own `send`. The stages are chained once, when the socket is accepted:
 * each calls the next directly.
 */
class Output implements SocketOutput {
  private readonly headers = new FrameHeaderReader();

  private constructor(
    private readonly socket: WebSocket,
    private readonly lastSent: LastSent,
    private readonly logger: Logger,
  ) {}

  /** Replaces `socket.send` with one that runs `stages` first, in order. */
  static wrap(socket: WebSocket, stages: readonly OutgoingStage[], lastSent: LastSent, logger: Logger): void {
    const output = new Output(socket, lastSent, logger);
    const write = socket.send.bind(socket) as (frame: Uint8Array) => void;
    let first: PassFrame = (frame) => write(frame);
    for (let i = stages.length - 1; i >= 0; i--) first = stages[i]!.attach(socket, first, output);
    socket.send = ((frame: Uint8Array) => {
      // A frame for a socket that is not open is not sent (`ws` discards it): no stage sees it.
      if (socket.readyState !== WebSocket.OPEN) return write(frame);
      output.pass(first, frame);
    }) as WebSocket["send"];
  }

  resume(next: PassFrame, frame: Uint8Array): void {
    // Hocuspocus drops a frame for a closing socket; so is a held one whose socket closed meanwhile.
    if (this.socket.readyState === WebSocket.OPEN) this.pass(next, frame);
  }

  private pass(next: PassFrame, frame: Uint8Array): void {
    try {
      next(frame, this.header(frame));
    } catch (error) {
      // A bug, not the client's doing: the socket is closed rather than sent what a stage failed on.
      this.logger.error({ err: error }, "outgoing frame handling failed; socket closed");
      this.socket.close(CloseCode.InternalError, CloseReason.InternalError);
    }
  }

  header(frame: Uint8Array): FrameHeader | undefined {
    const last = this.lastSent;
    if (frame === last.frame) return last.header;
    last.frame = frame;
    return (last.header = this.headers.read(frame));
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
