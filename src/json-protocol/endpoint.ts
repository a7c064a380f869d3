/**
 * The `/api/liveshare/ws` WebSocket endpoint: accepts upgrades handed over by the HTTP server (the
 * same port as Hocuspocus), turns frames into `JsonConnection` calls and connection messages into JSON
 * text frames, and counts both.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocket, WebSocketServer, type RawData } from "ws";
import { CloseCode, CloseReason } from "../close-codes.ts";
import type { Core } from "../core.ts";
import { CriticalLimiter } from "../limits/critical-limiter.ts";
import { JsonRooms } from "./json-room.ts";
import { JsonConnection, type ClientSocket } from "./json-connection.ts";
import type { UnauthenticatedSockets } from "../limits/unauthenticated.ts";
import { PRIORITY_OF, type ServerMessage } from "./messages.ts";
import type { BroadcastObserver } from "./version-delta.ts";

export interface JsonEndpointOptions {
  /** The Critical budget for GraphOps (one bucket per connection); one without a violation log when absent. */
  limiter?: CriticalLimiter;
  authTimeoutMs?: number;
  /** Schema changes within this window reach JSON clients together (default 150 ms). */
  coalesceMs?: number;
  presenceBatchMs?: number;
  /** Counts sockets (shared with `/collab`) and the bytes they send until they authenticate. */
  unauthenticated?: UnauthenticatedSockets;
}

const JSON_LABEL = { protocol: "json" } as const;

export class JsonProtocolEndpoint {
  readonly rooms: JsonRooms;
  private readonly wss: WebSocketServer;
  private readonly connections = new Set<JsonConnection>();
  /** Bytes of incremental states sent, and what full states would have cost instead. */
  private readonly tally = { incremental: 0, full: 0 };
  private readonly limiter: CriticalLimiter;

  constructor(
    private readonly core: Core,
    private readonly options: JsonEndpointOptions = {},
  ) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: core.config.maxMessageBytes });
    const { metrics } = core;
    const log = core.logger("json-protocol");
    const observer: BroadcastObserver = {
      fullSent: () => {
        metrics.fullSyncsSent.inc();
        log.debug("sending full sync");
      },
      incrementalSent: (bytes, fullBytes) => {
        metrics.incrementalUpdatesSent.inc();
        log.debug({ bytes, fullBytes }, "broadcasting incremental update");
        this.tally.incremental += bytes;
        this.tally.full += fullBytes;
        metrics.bandwidthReduction.set(this.tally.incremental / this.tally.full);
      },
      flushed: (seconds) => metrics.broadcastDuration.observe(seconds),
    };
    this.rooms = new JsonRooms((roomId) => {
      // SchemaGuard keeps each loaded room's element versions (the same ones GET /schema reports).
      const versions = core.schemaGuard.versionsOf(roomId);
      return {
        fullSyncIntervalMs: core.config.fullSyncIntervalMs,
        observer,
        ...(versions ? { versions } : {}),
        ...(options.coalesceMs !== undefined ? { coalesceMs: options.coalesceMs } : {}),
        ...(options.presenceBatchMs !== undefined ? { presenceBatchMs: options.presenceBatchMs } : {}),
      };
    });
    this.limiter =
      options.limiter ??
      new CriticalLimiter({ burst: core.config.criticalBurst, perSecond: core.config.criticalPerSecond, metrics, logger: core.logger("rate-limit") });
  }

  /** Takes over an HTTP upgrade for this endpoint's path. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws, request.socket.remoteAddress ?? ""));
  }

  /** Closes every JSON connection (`server-shutdown`) and releases their documents. */
  async close(): Promise<void> {
    const connections = [...this.connections];
    for (const connection of connections) connection.close(CloseCode.ServerShutdown, CloseReason.ServerShutdown);
    await Promise.all(connections.map((s) => s.finished()));
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private accept(ws: WebSocket, address: string): void {
    const { metrics } = this.core;
    this.core.logger("json-protocol").trace("websocket connection accepted");
    const { unauthenticated } = this.options;
    // The connection's own timer closes it with `auth-timeout`.
    if (unauthenticated?.admit(ws, address) === false) return;
    metrics.connections.inc(JSON_LABEL);
    const socket: ClientSocket = {
      send: (message: ServerMessage) => {
        if (ws.readyState !== WebSocket.OPEN) return;
        const text = JSON.stringify(message);
        ws.send(text);
        metrics.messagesSent.inc({ message_type: message.type, priority: PRIORITY_OF[message.type] });
        metrics.bytesSent.inc({ message_type: message.type }, Buffer.byteLength(text));
      },
      close: (code, reason) => ws.close(code, reason),
      congested: () => ws.bufferedAmount > this.core.config.presenceSendBufferBytes,
      authenticated: () => unauthenticated?.authenticated(ws),
    };
    const connection = new JsonConnection(
      {
        core: this.core,
        rooms: this.rooms,
        limiter: this.limiter,
        logger: this.core.logger("json-protocol"),
        authTimeoutMs: this.options.authTimeoutMs ?? this.core.config.authTimeoutMs,
      },
      socket,
    );
    this.connections.add(connection);
    ws.on("message", (data: RawData, isBinary: boolean) => {
      const buffer = toBuffer(data);
      // Before AuthSuccess, what the connection queues is held: bounded per socket and in all.
      if (unauthenticated && !unauthenticated.hold(ws, buffer.byteLength)) return;
      const roomId = connection.roomId;
      if (roomId) this.core.messageCounts.count(roomId);
      if (isBinary) connection.handleBinary(buffer.byteLength);
      else connection.handleText(buffer.toString("utf8"), buffer.byteLength);
    });
    // `ws` reports protocol violations (bad UTF-8, oversized frames) here and then closes the socket.
    ws.on("error", () => {});
    ws.on("close", (code: number, reason: Buffer) => {
      if (code === 1006 || code === CloseCode.Timeout) {
        this.core.logger("json-protocol").warn({ code, reason: reason.toString() || undefined }, "connection lost");
      }
      unauthenticated?.release(ws);
      connection.closed();
      this.connections.delete(connection);
      metrics.connections.dec(JSON_LABEL);
    });
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
