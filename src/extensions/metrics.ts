import type {
  Connection,
  Extension,
  Hocuspocus,
  afterLoadDocumentPayload,
  afterUnloadDocumentPayload,
  beforeHandleMessagePayload,
  connectedPayload,
  onConfigurePayload,
  onConnectPayload,
} from "@hocuspocus/server";
import { isTransactionOrigin } from "@hocuspocus/server";
import type { CloseEvent } from "@hocuspocus/common";
import { CloseCode } from "../close-codes.ts";
import { isConnectionContext } from "../context.ts";
import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics.ts";
import type { LiveRooms } from "../rooms/live-rooms.ts";

export interface MetricsExtensionOptions {
  metrics: Metrics;
  rooms: LiveRooms;
  logger: Logger;
}

/** How a session (a room's stretch of occupancy) or a connection ended: the `outcome` label. */
export type Outcome = "normal" | "timeout" | "error";

/** One kind of Hocuspocus frame, with the bounded label values it is counted under. */
interface FrameKind {
  /** Labels of the message counters and the latency histogram. */
  readonly labels: { readonly message_type: string; readonly priority: string };
  /** Labels of the byte counters (no priority). */
  readonly byteLabels: { readonly message_type: string };
  /** A document update that is fanned out to the room (sync step 2 or update). */
  readonly carriesUpdate: boolean;
}

const kind = (message_type: string, priority: string, carriesUpdate = false): FrameKind => ({
  labels: { message_type, priority },
  byteLabels: { message_type },
  carriesUpdate,
});

/**
 * Frame kinds by Hocuspocus message type (types.ts `MessageType`). Label objects are built once so
 * counting a frame allocates nothing. Incoming awareness frames are routed to presence before they
 * get here and counted there by what changed (cursor, viewport, …); outgoing ones are "normal".
 */
const FRAME_KINDS: readonly FrameKind[] = [
  kind("sync", "critical"), // 0 Sync (step 1 here; see SYNC_UPDATE)
  kind("awareness", "normal"), // 1
  kind("auth", "critical"), // 2
  kind("query_awareness", "normal"), // 3
  kind("sync", "critical"), // 4 SyncReply
  kind("stateless", "normal"), // 5
  kind("broadcast_stateless", "normal"), // 6
  kind("close", "critical"), // 7
  kind("sync_status", "critical"), // 8
  kind("ping", "low"), // 9
  kind("pong", "low"), // 10
];
const SYNC_UPDATE = kind("sync", "critical", true);

/**
 * Outgoing frames counted in plain numbers and added to the counters when Prometheus scrapes: every
 * frame sent is on the hottest path there is, and a prom-client `inc` hashes its labels each time.
 */
class FrameTally {
  private readonly counts = new Map<FrameKind, { frames: number; bytes: number }>();

  add(frame: FrameKind, bytes: number): void {
    const entry = this.counts.get(frame);
    if (entry) {
      entry.frames += 1;
      entry.bytes += bytes;
    } else this.counts.set(frame, { frames: 1, bytes });
  }

  flush(metrics: Metrics): void {
    for (const [frame, entry] of this.counts) {
      if (entry.frames === 0) continue;
      metrics.messagesSent.inc(frame.labels, entry.frames);
      metrics.bytesSent.inc(frame.byteLabels, entry.bytes);
      entry.frames = 0;
      entry.bytes = 0;
    }
  }
}
const UNKNOWN = kind("unknown", "normal");
const YJS = { protocol: "yjs" } as const;

/** Frame cursor for `readVarUint`: module state instead of a returned tuple, so parsing allocates nothing. */
let cursor = 0;

function readVarUint(frame: Uint8Array): number {
  let value = 0;
  let factor = 1;
  while (cursor < frame.length) {
    const byte = frame[cursor++]!;
    value += (byte & 0x7f) * factor;
    if (byte < 0x80) return value;
    factor *= 128;
    if (factor > Number.MAX_SAFE_INTEGER) return -1;
  }
  return -1;
}

/**
 * Classifies a Hocuspocus frame (`varString address, varUint type, …`) without decoding the address
 * or allocating. Never throws: a malformed frame is "unknown" (Hocuspocus itself rejects it).
 * `broadcast` tells apart an update fanned out to the room (sync type 2) from a step-2 reply.
 */
export function frameKind(frame: Uint8Array, outgoing = false): FrameKind {
  cursor = 0;
  const addressLength = readVarUint(frame);
  if (addressLength < 0) return UNKNOWN;
  cursor += addressLength;
  const type = readVarUint(frame);
  const known = FRAME_KINDS[type];
  if (!known) return UNKNOWN;
  if (type !== 0 && type !== 4) return known;
  const step = readVarUint(frame);
  if (outgoing) return step === 2 ? SYNC_UPDATE : known;
  return step === 1 || step === 2 ? SYNC_UPDATE : known;
}

/** The outcome a close code stands for: deliberate closes are normal, lost peers time out. */
export function outcomeOf(event: CloseEvent | undefined, shuttingDown: boolean): Outcome {
  const code = event?.code;
  if (code === undefined || shuttingDown) return "normal";
  if (code === CloseCode.Timeout || code === 1006) return "timeout";
  if (ERROR_CODES.has(code)) return "error";
  return "normal";
}

const ERROR_CODES = new Set<number>([
  CloseCode.MessageTooBig,
  CloseCode.InternalError,
  CloseCode.ResetConnection,
  CloseCode.BadRequest,
  CloseCode.RateLimited,
  CloseCode.StorageUnavailable,
]);

/**
 * Records Yjs connection, user, session and message events as metrics and logs them (module
 * `connections`). Little state: a start time per occupied room and the receive times of updates not
 * yet fanned out; no ids as label values. A session here is a room's stretch of occupancy on this instance: it starts
 * when the first member (Yjs or JSON) arrives and ends, with the last leaver's outcome, when the room
 * is empty again.
 */
export class MetricsExtension implements Extension {
  extensionName = "metrics";
  /** Before everything but routing, so a frame's receive time is taken before the durable-log wait. */
  priority = 1900;

  private readonly sessions: RoomSessions;
  /** Receive time of the last document-update frame of each connection (messages are processed in order). */
  private readonly receivedAt = new WeakMap<Connection, number>();
  /** Receive times of the room's updates applied but not yet fanned out (arrays are reused). */
  private readonly awaitingFanOut = new Map<string, number[]>();
  private instance: Hocuspocus | undefined;
  private readonly sent = new FrameTally();

  constructor(private readonly options: MetricsExtensionOptions) {
    this.sessions = new RoomSessions(options);
    options.metrics.beforeScrape.add(() => this.sessions.checkAll());
    options.metrics.beforeScrape.add(() => this.sent.flush(options.metrics));
  }

  async onConfigure({ instance }: onConfigurePayload): Promise<void> {
    this.instance = instance;
  }

  async onConnect({ documentName, socketId }: onConnectPayload): Promise<void> {
    this.options.logger.debug({ roomId: documentName, socketId }, "user connecting");
  }

  async connected({ connection, documentName }: connectedPayload): Promise<void> {
    // The socket may have closed while earlier `connected` hooks ran: then there is nothing to count.
    if (!connection.document.hasConnection(connection)) return;
    const { metrics } = this.options;
    metrics.connections.inc(YJS);
    metrics.userJoins.inc(YJS);
    this.countOutgoing(connection);
    connection.onClose((_document, event) => this.left(connection, documentName, event));
    this.sessions.check(documentName, "normal");
  }

  async beforeHandleMessage({ update, connection, documentName }: beforeHandleMessagePayload): Promise<void> {
    const frame = frameKind(update);
    const { metrics, logger } = this.options;
    metrics.messagesReceived.inc(frame.labels, 1);
    metrics.bytesReceived.inc(frame.byteLabels, update.byteLength);
    if (frame.carriesUpdate) this.receivedAt.set(connection, performance.now());
    if (logger.isLevelEnabled("trace")) {
      const userId = isConnectionContext(connection.context) ? connection.context.user.userId : undefined;
      logger.trace({ roomId: documentName, userId, messageType: frame.labels.message_type, bytes: update.byteLength }, "received");
    }
  }

  async afterLoadDocument({ document, documentName }: afterLoadDocumentPayload): Promise<void> {
    // Registered after Hocuspocus's own update handler, so the fan-out is already scheduled.
    document.on("update", (_update: Uint8Array, origin: unknown) => {
      if (!isTransactionOrigin(origin) || origin.source !== "connection") return;
      const receivedAt = this.receivedAt.get(origin.connection);
      if (receivedAt === undefined) return;
      this.receivedAt.delete(origin.connection);
      let pending = this.awaitingFanOut.get(documentName);
      if (!pending) this.awaitingFanOut.set(documentName, (pending = []));
      pending.push(receivedAt);
    });
    this.sessions.check(documentName, "normal");
  }

  async afterUnloadDocument({ documentName }: afterUnloadDocumentPayload): Promise<void> {
    this.awaitingFanOut.delete(documentName);
    this.sessions.check(documentName, "normal");
  }

  /** Counts every frame sent on the connection; Hocuspocus has no outgoing hook, so `send` is wrapped. */
  private countOutgoing(connection: Connection): void {
    const { metrics } = this.options;
    const send = connection.send.bind(connection);
    const roomId = connection.document.name;
    connection.send = (message: Uint8Array) => {
      // Connection.send drops frames for a closing socket; those were never sent.
      if (connection.webSocket.readyState === 1) {
        try {
          const frame = frameKind(message, true);
          this.sent.add(frame, message.byteLength);
          if (frame.carriesUpdate) this.fannedOut(roomId);
        } catch (error) {
          // Counting must never cost a client its message.
          this.options.logger.error({ err: error, roomId }, "counting an outgoing frame failed");
        }
      }
      send(message);
    };
  }

  /** The first send of a room's update broadcast: every update it carries has reached its fan-out. */
  private fannedOut(roomId: string): void {
    const pending = this.awaitingFanOut.get(roomId);
    if (!pending || pending.length === 0) return;
    const now = performance.now();
    const { messageLatency } = this.options.metrics;
    for (const receivedAt of pending) messageLatency.observe(SYNC_UPDATE.labels, (now - receivedAt) / 1000);
    pending.length = 0;
  }

  private left(connection: Connection, roomId: string, event: CloseEvent | undefined): void {
    const { metrics, logger } = this.options;
    metrics.connections.dec(YJS);
    metrics.userLeaves.inc(YJS);
    // Hocuspocus closes every connection with ResetConnection on shutdown: that is not an error.
    const shuttingDown = this.instance?.server?.httpServer.listening === false;
    const outcome = outcomeOf(event, shuttingDown);
    const userId = isConnectionContext(connection.context) ? connection.context.user.userId : undefined;
    const fields = { roomId, userId, code: event?.code, reason: event?.reason || undefined };
    if (outcome === "timeout") logger.warn(fields, "connection lost");
    else if (outcome === "error") logger.warn(fields, "connection closed on an error");
    logger.info(fields, "user disconnected");
    this.sessions.check(roomId, outcome);
  }
}

/**
 * Which rooms are occupied on this instance, by LiveRooms (Yjs connections and other transports'
 * members alike): the active-sessions gauge and the session-duration histogram. Yjs joins and leaves
 * and document loads update it at once; before each scrape every room is checked, which catches rooms
 * that only JSON clients joined or left.
 */
class RoomSessions {
  private readonly startedAt = new Map<string, number>();

  constructor(private readonly options: MetricsExtensionOptions) {}

  /** Brings the room's session in line with its members; `outcome` is how it ended if it just did. */
  check(roomId: string, outcome: Outcome): void {
    const occupied = this.options.rooms.membersOf(roomId).length > 0;
    const startedAt = this.startedAt.get(roomId);
    const { metrics, logger } = this.options;
    if (occupied && startedAt === undefined) {
      this.startedAt.set(roomId, performance.now());
      logger.debug({ roomId }, "room occupied");
    } else if (!occupied && startedAt !== undefined) {
      this.startedAt.delete(roomId);
      const seconds = (performance.now() - startedAt) / 1000;
      metrics.sessionDuration.observe({ outcome }, seconds);
      logger.debug({ roomId, outcome, seconds: Math.round(seconds) }, "room empty");
    } else {
      return;
    }
    metrics.activeSessions.set(this.startedAt.size);
  }

  checkAll(): void {
    for (const roomId of new Set([...this.startedAt.keys(), ...this.options.rooms.roomIds()])) this.check(roomId, "normal");
  }
}

/** The metrics extension for LiveShare's Hocuspocus server. */
export function metricsExtension(options: MetricsExtensionOptions): MetricsExtension {
  return new MetricsExtension(options);
}
