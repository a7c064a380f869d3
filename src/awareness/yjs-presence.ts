import type { Connection, Extension, beforeHandleAwarenessPayload, connectedPayload } from "@hocuspocus/server";
import type { WebSocket } from "ws";
import type { ClientConnection, FrameStage, OutgoingStage, PassFrame, SocketOutput } from "../collab/stages.ts";
import { FrameHeaderReader, MessageType, SyncStep, type FrameHeader } from "../collab/wire.ts";
import { ByAddress } from "../collab/by-address.ts";
import { isConnectionContext } from "../collab/connection-context.ts";
import type { Metrics } from "../metrics.ts";
import { CongestionGuard, type CongestionGuardOptions } from "./congestion.ts";
import type { Presence, PresenceSender } from "./presence.ts";
import type { TokenBucket } from "../limits/token-bucket.ts";
import type { ViolationLog } from "../limits/violations.ts";
import { CloseCode, CloseReason } from "../close-codes.ts";
import { disconnectRateLimited, type CriticalLimiter } from "../limits/critical-limiter.ts";

export interface PresenceExtensionOptions {
  presence: Presence;
  limiter: CriticalLimiter;
  /** PRESENCE_SEND_BUFFER_BYTES: presence to a socket with more than this buffered is dropped. */
  maxBufferedBytes: number;
  /** What a socket has not sent yet (`CoalescedWrites.backlog`); its `bufferedAmount` without one. */
  sendBacklog?: (socket: object) => number;
  metrics: Metrics;
  /** Written out when the server stops. */
  violations?: ViolationLog;
}

/** A socket, as a key: the same object Hocuspocus has as `connection.webSocket`. */
type Socket = object;

/** A Yjs document connection, as presence and the rate limiter know it. */
interface YjsClient {
  connection: Connection;
  sender: PresenceSender;
  critical: TokenBucket;
  /** Set once it is being disconnected: its later frames are dropped (they are unacknowledged). */
  closing: boolean;
}

/** Awareness frames kept per socket for documents not connected yet (a provider sends one). */
const MAX_EARLY_FRAMES = 8;

const CRITICAL_TYPE: Readonly<Record<number, string>> = {
  [MessageType.Sync]: "document_update",
  [MessageType.SyncReply]: "document_update",
  [MessageType.Auth]: "auth",
};

/**
 * Routes Yjs presence around Hocuspocus's own awareness path (which decodes every awareness message
 * into a throwaway Y.Doc and Awareness) into LiveShare's presence layer, and enforces the per
 * connection rate limits:
 *
 * - As a `/collab` frame stage it sees every frame the frame guard passed, before Hocuspocus.
 *   Awareness frames of a connected document go to `Presence` (validation, identity, throttling,
 *   batching, activity); awareness that arrives before the document is connected is held (the newest
 *   per document) and handed over at `connected`. Sync and auth frames are charged to the
 *   connection's Critical budget and handed on unchanged (a document edit counts as activity); a
 *   client over that budget for too long is disconnected. Everything else goes to Hocuspocus as is.
 * - `connected` registers the connection, joins it to the room's presence, guards it against
 *   congestion and removes its presence when it closes.
 * - As a `/collab` outgoing stage it hands the awareness frames of a socket's connected documents
 *   to the socket's `CongestionGuard`, which drops them while the socket is congested.
 * - `beforeHandleAwareness` catches any awareness that still reaches Hocuspocus from a client and
 *   sends it through presence too, so no state bypasses validation.
 */
export class PresenceExtension implements Extension, FrameStage, OutgoingStage {
  extensionName = "presence";
  priority = 800;

  private readonly byAddress = new ByAddress<YjsClient>();
  private readonly clients = new WeakMap<Connection, YjsClient>();
  private readonly early = new Map<Socket, Map<string, Uint8Array>>();
  /** Per `/collab` socket: the guard of its connected documents' presence against congestion. */
  private readonly guards = new WeakMap<Socket, CongestionGuard>();
  private readonly congestionOptions: CongestionGuardOptions;

  constructor(private readonly options: PresenceExtensionOptions) {
    const { presence, metrics } = options;
    const dropped = metrics.messagesDropped.labels({ message_type: "awareness", reason: "congested" });
    this.congestionOptions = {
      maxBufferedBytes: options.maxBufferedBytes,
      backlog: options.sendBacklog ?? ((socket) => (socket as { bufferedAmount?: number }).bufferedAmount ?? 0),
      removedSince: (roomId, since) => presence.room(roomId)?.removedSince(since) ?? [],
      now: () => presence.clock(),
      onDropped: () => dropped.inc(),
    };
  }

  /** The `/collab` frame stage: presence's frames are handled here, the rest go on to Hocuspocus. */
  take(frame: Uint8Array, header: FrameHeader | undefined, socket: WebSocket, client: ClientConnection): boolean {
    return header !== undefined && this.route(socket, client, header);
  }

  closed(socket: WebSocket): void {
    this.early.delete(socket);
  }

  /** The `/collab` outgoing stage: a connected document's awareness frames pass its congestion guard. */
  attach(socket: WebSocket, next: PassFrame, output: SocketOutput): PassFrame {
    const guard = new CongestionGuard(socket, this.congestionOptions);
    this.guards.set(socket, guard);
    return (frame, header) => {
      if (header?.type !== MessageType.Awareness) return next(frame, header);
      const sent = guard.awareness(frame, header.address);
      if (sent === frame) next(frame, header);
      else if (sent) next(sent, output.header(sent));
    };
  }

  async connected({ connection }: connectedPayload): Promise<void> {
    // The socket may have closed while earlier `connected` hooks ran.
    if (!connection.document.hasConnection(connection)) return;
    const client = this.clientFor(connection);
    if (!client) return;
    this.options.presence.join(connection.document, client.sender);
    const socket = connection.webSocket;
    this.guards.get(socket)?.guard(connection);
    const held = this.early.get(socket);
    const frame = held?.get(connection.messageAddress);
    const header = frame && new FrameHeaderReader().read(frame);
    if (frame && held) {
      held.delete(connection.messageAddress);
      if (held.size === 0) this.early.delete(socket);
      if (header) this.route(socket, undefined, header);
    }
  }

  /** After every connection has closed: stop presence's timers and store the last violation counts. */
  async onDestroy(): Promise<void> {
    this.options.presence.close();
    await this.options.violations?.close();
  }

  async beforeHandleAwareness({ connection, document, states }: beforeHandleAwarenessPayload): Promise<void> {
    // Server-side and other instances' awareness is not a client's: leave it alone.
    if (!connection) return;
    const client = this.clientFor(connection);
    if (client) this.options.presence.receive(document, client.sender, new Map(states));
    // Presence applies what it accepts itself; Hocuspocus must apply nothing of the raw update.
    states.clear();
  }

  /** Handles the frame if it is presence's; false hands it to Hocuspocus. Never throws. */
  private route(socket: Socket, client: ClientConnection | undefined, header: FrameHeader): boolean {
    try {
      const { type } = header;
      const yjs = this.byAddress.get(socket, header);
      if (!yjs) return type === MessageType.Awareness && this.hold(socket, header.address, header.bytes);
      if (yjs.closing) return true;
      if (type === MessageType.Awareness) {
        // Hocuspocus's idle timeout counts received frames; this one does not reach it.
        if (client) client.lastMessageReceivedAt = Date.now();
        // The frame guard leaves a connected room's awareness to presence: a malformed update (cut
        // short, not JSON, a state that is not an object) closes the socket the way it would have.
        if (!this.options.presence.receiveFrame(yjs.connection.document, yjs.sender, header)) {
          yjs.closing = true;
          yjs.connection.webSocket.close(CloseCode.BadRequest, CloseReason.MalformedAwareness);
          return true;
        }
        return true;
      }
      const messageType = CRITICAL_TYPE[type];
      if (messageType === undefined) return false;
      const { context } = yjs.connection;
      const verdict = this.options.limiter.charge(yjs.critical, yjs.connection.document.name, isConnectionContext(context) ? context.user.userId : "", messageType);
      if (verdict === "disconnect") {
        yjs.closing = true;
        disconnectRateLimited(yjs.connection);
        return true;
      }
      if (header.syncStep === SyncStep.Update) {
        this.options.presence.touch(yjs.connection.document, yjs.sender);
      }
      return false;
    } catch {
      // A malformed frame: Hocuspocus rejects it its own way.
      return false;
    }
  }

  /** Keeps the newest awareness frame of a document that is not connected yet. */
  private hold(socket: Socket, address: string, frame: Uint8Array): boolean {
    let held = this.early.get(socket);
    if (!held) this.early.set(socket, (held = new Map()));
    if (!held.has(address) && held.size >= MAX_EARLY_FRAMES) return false;
    held.set(address, frame);
    return true;
  }

  /** The connection's presence identity, registered on first sight; undefined before authentication. */
  private clientFor(connection: Connection): YjsClient | undefined {
    const known = this.clients.get(connection);
    if (known) return known;
    const { context } = connection;
    if (!isConnectionContext(context)) return undefined;
    const sender: PresenceSender = {
      key: connection,
      user: context.user,
      protocol: "yjs",
      connection,
      get readOnly() {
        return connection.readOnly;
      },
    };
    const client: YjsClient = { connection, sender, critical: this.options.limiter.bucket(), closing: false };
    this.clients.set(connection, client);
    this.byAddress.set(connection, client);
    connection.onClose((document) => this.options.presence.leave(document, sender));
    return client;
  }
}
