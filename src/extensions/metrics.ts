import type {
  Connection,
  Extension,
  afterLoadDocumentPayload,
  afterUnloadDocumentPayload,
  beforeHandleMessagePayload,
  connectedPayload,
  onConnectPayload,
} from "@hocuspocus/server";
import type { CloseEvent } from "@hocuspocus/common";
import type { WebSocket } from "ws";
import { CloseCode } from "../close-codes.ts";
import type { OutgoingStage, PassFrame } from "../collab/stages.ts";
import { MessageType, SyncStep, readFrameType, readVarUint, type FrameHeader, type WireCursor } from "../collab/wire.ts";
import { isConnectionContext } from "../collab/connection-context.ts";
import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics.ts";
import { connectionOf } from "../origins.ts";
import type { LiveRooms } from "../rooms/live-rooms.ts";

export interface MetricsExtensionOptions {
  metrics: Metrics;
  rooms: LiveRooms;
  logger: Logger;
}

/** How a room's occupancy or a connection ended: the `outcome` label. */
export type Outcome = "normal" | "timeout" | "error";

/** One kind of Hocuspocus frame, with the bounded label values it is counted under. */
interface FrameKind {
  /** Its place in `KINDS`. */
  readonly index: number;
  /** Labels of the message counters and the latency histogram. */
  readonly labels: { readonly message_type: string; readonly priority: string };
  /** Labels of the byte counters (no priority). */
  readonly byteLabels: { readonly message_type: string };
  /** A document update that is fanned out to the room (sync step 2 or update). */
  readonly carriesUpdate: boolean;
}

/** Every frame kind, each at its `index`. */
const KINDS: FrameKind[] = [];

function kind(message_type: string, priority: string, carriesUpdate = false): FrameKind {
  const frameKind = { index: KINDS.length, labels: { message_type, priority }, byteLabels: { message_type }, carriesUpdate };
  KINDS.push(frameKind);
  return frameKind;
}

/**
 * Frame kinds by Hocuspocus `MessageType`. Label objects are built once so counting a frame
 * allocates nothing. Incoming awareness frames are routed to presence before they get here and
 * counted there by what changed (cursor, viewport, …); outgoing ones are "normal".
 */
const FRAME_KINDS: Readonly<Record<number, FrameKind>> = {
  [MessageType.Sync]: kind("sync", "critical"), // step 1 here; see SYNC_UPDATE
  [MessageType.Awareness]: kind("awareness", "normal"),
  [MessageType.Auth]: kind("auth", "critical"),
  [MessageType.QueryAwareness]: kind("query_awareness", "normal"),
  [MessageType.SyncReply]: kind("sync", "critical"),
  [MessageType.Stateless]: kind("stateless", "normal"),
  [MessageType.BroadcastStateless]: kind("broadcast_stateless", "normal"),
  [MessageType.CLOSE]: kind("close", "critical"),
  [MessageType.SyncStatus]: kind("sync_status", "critical"),
  [MessageType.Ping]: kind("ping", "low"),
  [MessageType.Pong]: kind("pong", "low"),
};
const SYNC_UPDATE = kind("sync", "critical", true);
const UNKNOWN = kind("unknown", "normal");

/**
 * Outgoing frames counted in plain numbers and added to the counters when Prometheus scrapes: every
 * frame sent is on the hottest path there is, and a prom-client `inc` hashes its labels each time.
 */
class FrameTally {
  /** Frames and bytes by `FrameKind.index` (every kind exists once this module has loaded). */
  private readonly frames = new Float64Array(KINDS.length);
  private readonly bytes = new Float64Array(KINDS.length);

  add(frame: FrameKind, bytes: number): void {
    this.frames[frame.index]! += 1;
    this.bytes[frame.index]! += bytes;
  }

  flush(metrics: Metrics): void {
    for (const frame of KINDS) {
      const frames = this.frames[frame.index]!;
      if (frames === 0) continue;
      metrics.messagesSent.inc(frame.labels, frames);
      metrics.bytesSent.inc(frame.byteLabels, this.bytes[frame.index]!);
      this.frames[frame.index] = 0;
      this.bytes[frame.index] = 0;
    }
  }
}
const YJS = { protocol: "yjs" } as const;

/**
 * The kind of a frame of `type` (a `MessageType`) whose sync step (of a `Sync` or `SyncReply`) is
 * `syncStep`. A document update counts as one whether it comes in as a step 2 or an update; going out,
 * only an update is one fanned out to the room (a step 2 answers one client's step 1).
 */
function kindOf(type: number, syncStep: number, outgoing: boolean): FrameKind {
  const known = FRAME_KINDS[type];
  if (!known) return UNKNOWN;
  if (type !== MessageType.Sync && type !== MessageType.SyncReply) return known;
  if (syncStep === SyncStep.Update || (!outgoing && syncStep === SyncStep.Step2)) return SYNC_UPDATE;
  return known;
}

/**
 * Classifies a frame a client sent without decoding its address or allocating. Never throws: a
 * malformed frame is "unknown" (Hocuspocus itself rejects it).
 */
function receivedKind(frame: Uint8Array, cursor: WireCursor): FrameKind {
  const type = readFrameType(frame, cursor);
  if (type < 0) return UNKNOWN;
  const syncStep = type === MessageType.Sync || type === MessageType.SyncReply ? readVarUint(frame, cursor) : -1;
  return kindOf(type, syncStep, false);
}

/** The outcome a close code stands for: deliberate closes are normal, lost peers time out. */
export function outcomeOf(event: CloseEvent | undefined): Outcome {
  const code = event?.code;
  if (code === undefined) return "normal";
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
 * Records Yjs connection, user, occupancy and message events as metrics and logs them (module
 * `connections`). Little state: a start time per occupied room and the receive times of updates not
 * yet fanned out; no ids as label values. A room's occupancy on this instance starts when the first
 * member (Yjs or JSON) arrives and ends, with the last leaver's outcome, when the room is empty again;
 * the metrics keep the contract's names (`liveshare_active_sessions_total`,
 * `liveshare_session_duration_seconds`: a session with users here).
 */
export class MetricsExtension implements Extension, OutgoingStage {
  extensionName = "metrics";
  /** Before everything but routing, so a frame's receive time is taken before the durable-log wait. */
  priority = 1900;

  private readonly occupancy: RoomOccupancy;
  /** Receive time of the last document-update frame of each connection (messages are processed in order). */
  private readonly receivedAt = new WeakMap<Connection, number>();
  /** Receive times of the room's updates applied but not yet fanned out (arrays are reused). */
  private readonly awaitingFanOut = new Map<string, number[]>();
  private readonly sent = new FrameTally();
  private readonly cursor: WireCursor = { pos: 0 };

  constructor(private readonly options: MetricsExtensionOptions) {
    this.occupancy = new RoomOccupancy(options);
    options.metrics.beforeScrape.add(() => this.occupancy.checkAll());
    options.metrics.beforeScrape.add(() => this.sent.flush(options.metrics));
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
    connection.onClose((_document, event) => this.left(connection, documentName, event));
    this.occupancy.check(documentName, "normal");
  }

  async beforeHandleMessage({ update, connection, documentName }: beforeHandleMessagePayload): Promise<void> {
    this.received(update, connection, documentName);
  }

  /** Counts a frame a document connection received (and times its fan-out, if it carries an update). */
  received(update: Uint8Array, connection: Connection, documentName: string): void {
    const frame = receivedKind(update, this.cursor);
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
      const connection = connectionOf(origin);
      if (!connection) return;
      const receivedAt = this.receivedAt.get(connection);
      if (receivedAt === undefined) return;
      this.receivedAt.delete(connection);
      let pending = this.awaitingFanOut.get(documentName);
      if (!pending) this.awaitingFanOut.set(documentName, (pending = []));
      pending.push(receivedAt);
    });
    this.occupancy.check(documentName, "normal");
  }

  async afterUnloadDocument({ documentName }: afterUnloadDocumentPayload): Promise<void> {
    this.awaitingFanOut.delete(documentName);
    this.occupancy.check(documentName, "normal");
  }

  /**
   * The `/collab` outgoing stage: counts the frames document connections send (the endpoint runs it
   * only while the socket is open), as `beforeHandleMessage` counts what reaches them. Authentication
   * answers are written to the socket outside any document connection, and the Auth frame they answer
   * never reaches `beforeHandleMessage`: neither is counted.
   */
  attach(_socket: WebSocket, next: PassFrame): PassFrame {
    return (frame, header) => {
      this.countSent(frame, header);
      next(frame, header);
    };
  }

  private countSent(frame: Uint8Array, header: FrameHeader | undefined): void {
    if (header === undefined) this.sent.add(UNKNOWN, frame.byteLength);
    else if (header.type !== MessageType.Auth) {
      const sent = kindOf(header.type, header.syncStep, true);
      this.sent.add(sent, frame.byteLength);
      if (sent.carriesUpdate) this.fannedOut(header.room);
    }
  }

  /**
   * The first send of a room's update broadcast (or the first frame of it held back, as an author's
   * echo is): every update it carries has reached its fan-out.
   */
  fannedOut(roomId: string): void {
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
    // Shutdown closes every connection with ServerShutdown (rooms/shutdown.ts): not an error.
    const outcome = outcomeOf(event);
    const userId = isConnectionContext(connection.context) ? connection.context.user.userId : undefined;
    const fields = { roomId, userId, code: event?.code, reason: event?.reason || undefined };
    if (outcome === "timeout") logger.warn(fields, "connection lost");
    else if (outcome === "error") logger.warn(fields, "connection closed on an error");
    logger.info(fields, "user disconnected");
    this.occupancy.check(roomId, outcome);
  }
}

/**
 * Which rooms are occupied on this instance, by LiveRooms (Yjs connections and other transports'
 * members alike), for the active-sessions gauge and the session-duration histogram. Yjs joins and leaves
 * and document loads update it at once; before each scrape every room is checked, which catches rooms
 * that only JSON clients joined or left.
 */
class RoomOccupancy {
  private readonly startedAt = new Map<string, number>();

  constructor(private readonly options: MetricsExtensionOptions) {}

  /** Brings the room's occupancy in line with its members; `outcome` is how it ended if it just did. */
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
