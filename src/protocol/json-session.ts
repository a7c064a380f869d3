/**
 * One JSON protocol client, from `Auth` to close: it takes decoded messages and answers through a
 * minimal socket (`{ send, close }`), so the same logic serves any transport and tests drive it
 * without one (tldraw's `handleSocketMessage(sessionId, msg)`).
 */
import { randomUUID } from "node:crypto";
import type { Hocuspocus } from "@hocuspocus/server";
import type { CloseEvent } from "@hocuspocus/common";
import { TokenRejected, type Identity } from "../auth/tokens.ts";
import type { PresenceSender } from "../awareness/presence.ts";
import { TokenBucket } from "../awareness/token-bucket.ts";
import { CloseCode, CloseReason, Refusal } from "../close-codes.ts";
import type { ConnectionContext } from "../context.ts";
import type { Core } from "../core.ts";
import type { CriticalLimiter } from "../extensions/rate-limit.ts";
import type { Logger } from "../logger.ts";
import type { RoomMember } from "../rooms/live-rooms.ts";
import { applyOperation, OperationError, OperationErrorCode, readSchema, replaceElements, type GraphOperation } from "../schema-doc/index.ts";
import type { JsonRoom, JsonRooms, RoomClient } from "./json-room.ts";
import {
  decodeClientMessage,
  ErrorCode,
  Priority,
  PRIORITY_OF,
  PROTOCOL_VERSION,
  type ClientMessage,
  type ClientMessageOf,
  type ServerMessage,
  type ServerMessageOf,
} from "./messages.ts";
import { JsonPresence, type JsonPresenceState } from "./presence-state.ts";
import { ImportRejected, planImport } from "../schema-io/merge-plan.ts";
import { SchemaParseError } from "../schema-io/model.ts";
import { parseSchema } from "../schema-io/parse/index.ts";
import type { AuthoredChange } from "./version-delta.ts";

/** What a session sends through; the transport serializes. */
export interface ClientSocket {
  send(message: ServerMessage): void;
  close(code: number, reason: string): void;
  /** True while the client is not keeping up (its unsent bytes are over a bound). */
  congested?(): boolean;
  /** The client has authenticated and joined (`AuthSuccess` is on its way). */
  authenticated?(): void;
}

/** Holds a place in a full room while a user joins (`RoomLimit`). */
export interface RoomAdmission {
  admit(roomId: string, userId: string): void;
  release(roomId: string, userId: string): void;
}

export interface SessionServices {
  core: Pick<Core, "config" | "tokens" | "access" | "users" | "hocuspocus" | "rooms" | "durableLog" | "snapshots" | "metrics" | "presence">;
  rooms: JsonRooms;
  /** The Critical budget (document edits), shared in kind with Yjs connections. */
  limiter: CriticalLimiter;
  admission?: RoomAdmission;
  logger: Logger;
  /** A connection that has not sent `Auth` by then is closed. */
  authTimeoutMs?: number;
  /** An edit not durable by then closes the connection (`storage-unavailable`); it is still applied. */
  ackTimeoutMs?: number;
}

/** Close reasons of this endpoint beyond the shared ones in `close-codes.ts`. */
export const JsonCloseReason = {
  AuthTimeout: CloseReason.AuthTimeout,
  TooManyInvalidMessages: "too-many-invalid-messages",
} as const;

/** Invalid messages tolerated: a burst of 20, then 2 per second (more than 20 in 10 s closes). */
const INVALID_BURST = 20;
const INVALID_PER_SECOND = 2;
/** Messages kept while `Auth` is being checked; a client may send them right after `Auth`. */
const MAX_QUEUED = 100;
const JSON_LABEL = { protocol: "json" } as const;
const PRESENCE_TYPES: ReadonlySet<string> = new Set(["CursorMove", "UserViewport", "IdleStatus", "Awareness"]);

type Phase = "connected" | "authenticating" | "joined" | "closed";
type Origin = { source: "local"; context: { kind: "json"; userId: string; sessionKey: string } };

export class JsonSession implements RoomClient {
  clientId: number | undefined;
  private phase: Phase = "connected";
  private readonly sessionKey = randomUUID();
  private identity: Identity | undefined;
  private context: ConnectionContext | undefined;
  private connection: DirectConnection | undefined;
  private room: JsonRoom | undefined;
  private presence: JsonPresence | undefined;
  private sender: PresenceSender | undefined;
  private unregister: (() => void) | undefined;
  private readOnlyFlag = true;
  /** Presence messages were dropped while the client was congested. */
  private presenceBehind = false;
  private readonly queued: ClientMessage[] = [];
  private readonly invalid = new TokenBucket(INVALID_BURST, INVALID_PER_SECOND, performance.now());
  private readonly critical: TokenBucket;
  private readonly fullSyncs = new TokenBucket(5, 0.2, performance.now());
  private acks: Promise<void> = Promise.resolve();
  private authenticating: Promise<void> = Promise.resolve();
  private disconnected: Promise<void> = Promise.resolve();
  private authTimer: NodeJS.Timeout | undefined;
  private readonly log: Logger;
  /** When the message being handled arrived (for the end-to-end latency of GraphOps). */
  private receivedAt = 0;

  constructor(
    private readonly services: SessionServices,
    private readonly socket: ClientSocket,
  ) {
    this.critical = services.limiter.bucket();
    this.log = services.logger;
    this.authTimer = setTimeout(() => this.close(CloseCode.Timeout, JsonCloseReason.AuthTimeout), services.authTimeoutMs ?? 10_000);
    this.authTimer.unref();
  }

  /** The authenticated user's id (`target_user_id`); empty before `AuthSuccess`. */
  get userId(): string {
    return this.identity?.userId ?? "";
  }

  get readOnly(): boolean {
    return this.readOnlyFlag;
  }

  /** The room the client has joined; undefined before `AuthSuccess` and after the session closed. */
  get roomId(): string | undefined {
    return this.phase === "joined" ? this.context?.roomId : undefined;
  }

  /** Resolves once the session has closed and released the room's document. */
  async finished(): Promise<void> {
    await this.authenticating;
    await this.disconnected;
  }

  /** A text frame from the client. */
  handleText(text: string, bytes = Buffer.byteLength(text)): void {
    if (this.phase === "closed") return;
    const decoded = decodeClientMessage(text);
    const type = decoded.ok ? decoded.message.type : (decoded.type ?? "invalid");
    const { metrics } = this.services.core;
    // Presence counts the presence messages it receives (as cursor, viewport, …): not twice.
    if (!decoded.ok || !PRESENCE_TYPES.has(type)) metrics.messagesReceived.inc({ message_type: type, priority: type === "invalid" ? "normal" : PRIORITY_OF[type] });
    metrics.bytesReceived.inc({ message_type: type }, bytes);
    if (this.log.isLevelEnabled("trace")) this.log.trace({ roomId: this.context?.roomId, userId: this.userId || undefined, messageType: type, bytes }, "received");
    if (!decoded.ok) return this.refuse(decoded.code, decoded.message, true);
    this.receivedAt = performance.now();
    this.handleMessage(decoded.message);
  }

  /** A binary frame: not part of this protocol. */
  handleBinary(bytes: number): void {
    if (this.phase === "closed") return;
    this.services.core.metrics.bytesReceived.inc({ message_type: "invalid" }, bytes);
    this.refuse(ErrorCode.InvalidMessage, "messages are JSON text frames; binary frames are not part of this protocol", true);
  }

  /** A decoded client message. */
  handleMessage(message: ClientMessage): void {
    switch (this.phase) {
      case "closed":
        return;
      case "connected":
        if (message.type === "Auth") {
          this.authenticating = this.authenticate(message);
          return;
        }
        return this.refuse(ErrorCode.NotAuthenticated, `send Auth first (got ${message.type})`, true);
      case "authenticating":
        if (message.type === "Auth") return this.refuse(ErrorCode.AlreadyAuthenticated, "Auth was already sent on this connection", true);
        if (this.queued.length >= MAX_QUEUED) return this.refuse(ErrorCode.NotAuthenticated, "too many messages before AuthSuccess", true);
        this.queued.push(message);
        return;
      case "joined":
        return this.dispatch(message);
    }
  }

  /** Closes the connection from the server's side (revocation, session end, shutdown, abuse). */
  close(code: number, reason: string): void {
    if (this.phase === "closed") return;
    this.leave();
    this.socket.close(code, reason);
  }

  /** The transport reports the socket closed. */
  closed(): void {
    this.leave();
  }

  send(message: ServerMessage): void {
    if (this.phase === "closed") return;
    const priority = PRIORITY_OF[message.type];
    if (priority === Priority.Volatile || priority === Priority.Low) {
      // A client that is not keeping up loses cursors and viewports first; once it catches up, a
      // RoomInfo brings its view of everyone's presence up to date again.
      if (this.socket.congested?.()) {
        this.presenceBehind = true;
        this.services.core.metrics.messagesDropped.inc({ message_type: message.type, reason: "congested" });
        return;
      }
      if (this.presenceBehind && this.room) {
        this.presenceBehind = false;
        this.socket.send(this.roomInfo(this.room));
      }
    }
    this.socket.send(message);
  }

  private dispatch(message: ClientMessage): void {
    switch (message.type) {
      case "Auth":
        return this.refuse(ErrorCode.AlreadyAuthenticated, "this connection is already authenticated", true);
      case "GraphOp":
        return this.graphOp(message.op, message.request_id);
      case "Import":
        return this.importSchema(message);
      case "CursorMove":
        return this.publish(this.presence!.cursor(message.position));
      case "UserViewport":
        return this.publish(this.presence!.viewport(message.center, message.zoom));
      case "IdleStatus":
        return this.publish(this.presence!.activity(message.is_active));
      case "Awareness": {
        let state: JsonPresenceState;
        try {
          state = this.presence!.awareness(message.state);
        } catch (error) {
          return this.refuse(ErrorCode.InvalidMessage, `Awareness: ${(error as Error).message}`, true);
        }
        return this.publish(state);
      }
      case "RequestFullSync":
        // A full state can be large: a client may ask a few times, not in a loop.
        if (!this.fullSyncs.take(performance.now())) return this.refuse(ErrorCode.RateLimited, "RequestFullSync: at most one every 5 s after a burst of 5", false);
        this.log.debug({ roomId: this.room!.roomId, userId: this.userId }, "sending full sync on request");
        return this.room!.broadcaster.requestFull(this);
      default:
        return unexpected(message);
    }
  }

  private async authenticate(message: AuthMessage): Promise<void> {
    this.phase = "authenticating";
    clearTimeout(this.authTimer);
    const { core, admission } = this.services;
    let admitted: { roomId: string; userId: string } | undefined;
    try {
      const user = await core.tokens.verify(message.token);
      let epoch = core.rooms.accessEpoch;
      let access = await core.access.toRoom(message.room_id, user.userId);
      await core.users.record(user);
      if (this.phase !== "authenticating") return;
      admission?.admit(access.roomId, user.userId);
      admitted = { roomId: access.roomId, userId: user.userId };
      const context: ConnectionContext = { user, role: access.role, roomId: access.roomId, diagramId: access.diagramId };
      const connection = await core.hocuspocus.openDirectConnection(access.roomId, context);
      if (this.phase !== "authenticating" || !connection.document) {
        await release(core.hocuspocus, connection);
        return;
      }
      this.connection = connection;
      // An access change applied since the role was looked up found no member to act on: look it up
      // again (a revoked client is refused here). `join` registers the member in the same step as
      // the last check, so every later change finds it.
      while (core.rooms.accessEpoch !== epoch) {
        if (this.phase !== "authenticating") return;
        epoch = core.rooms.accessEpoch;
        access = await core.access.toRoom(message.room_id, user.userId);
      }
      if (this.phase !== "authenticating") return;
      context.role = access.role;
      this.join(context);
    } catch (error) {
      const refusal = refusalOf(error);
      if (!refusal) this.log.error({ err: error, roomId: message.room_id }, "JSON client authentication failed unexpectedly");
      else this.log.info({ roomId: message.room_id, reason: refusal.reason }, "JSON client refused");
      const { code, reason } = refusal ?? { code: CloseCode.InternalError, reason: CloseReason.InternalError };
      if (this.isClosed()) return;
      this.send({ type: "AuthFailure", reason });
      this.close(code, reason);
    } finally {
      if (admitted) admission?.release(admitted.roomId, admitted.userId);
      // Closed while joining: the connection opened for it is released here, once.
      if (this.isClosed() && this.connection && !this.room) this.disconnect();
    }
  }

  /**
   * Joins the room: `AuthSuccess`, the full `GraphState`, `RoomInfo`. No `SnapshotRecovery`: its Yjs
   * binary is of no use without Yjs, and the full state that follows is the current diagram, not an
   * older one.
   */
  private join(context: ConnectionContext): void {
    const { core } = this.services;
    const document = this.connection!.document!;
    const { user, roomId } = context;
    this.identity = user;
    this.context = context;
    this.readOnlyFlag = context.role === "viewer";
    this.phase = "joined";
    this.socket.authenticated?.();
    this.unregister = core.rooms.addMember(roomId, this.member());
    const room = this.services.rooms.join(roomId, document, this);
    this.room = room;
    this.clientId = room.presence.allocate(user);

    this.send({ type: "AuthSuccess", user_id: user.userId, room_id: roomId, protocol_version: PROTOCOL_VERSION, role: context.role, read_only: this.readOnlyFlag });
    room.broadcaster.addClient(this);
    this.send(this.roomInfo(room));

    // Presence renews the state itself (awareness forgets states older than 30 s).
    this.presence = new JsonPresence();
    this.sender = { key: this, user, protocol: "json", readOnly: this.readOnlyFlag };
    core.presence.join(document, this.sender);
    this.publish(this.presence.current);

    core.metrics.userJoins.inc(JSON_LABEL);
    this.log.info({ roomId, userId: user.userId, diagramId: context.diagramId, role: context.role }, "JSON client joined");
    for (const message of this.queued.splice(0)) this.handleMessage(message);
  }

  private roomInfo(room: JsonRoom): ServerMessageOf<"RoomInfo"> {
    const users = room.presence.users(this.services.core.rooms.usersPresent(room.roomId));
    return { type: "RoomInfo", room_id: room.roomId, users, active_user_count: users.filter((u) => u.is_active).length };
  }

  private graphOp(op: unknown, requestId: string | number | undefined): void {
    const room = this.room!;
    if (this.readOnly) return this.refuse(ErrorCode.ReadOnly, "you have view-only access: the diagram was not changed", false, requestId);
    // Critical: never dropped; a client far over its budget for long is disconnected (and may reconnect).
    if (this.services.limiter.charge(this.critical, room.roomId, this.userId, "document_update") === "disconnect") {
      return this.close(CloseCode.RateLimited, CloseReason.RateLimited);
    }
    // A fresh origin per edit: the durable log tells when exactly this edit is stored.
    const origin: Origin = { source: "local", context: { kind: "json", userId: this.userId, sessionKey: this.sessionKey } };
    let applied: AuthoredChange<{ op: GraphOperation }>;
    try {
      applied = room.broadcaster.authored(this, origin, () => applyOperation(room.document, op, origin));
    } catch (error) {
      if (error instanceof OperationError) {
        this.log.debug({ roomId: room.roomId, userId: this.userId, code: error.code }, "GraphOp refused");
        return this.refuse(error.code, error.message, error.code === OperationErrorCode.InvalidOperation, requestId);
      }
      this.log.error({ err: error, roomId: room.roomId, userId: this.userId }, "failed to apply GraphOp");
      return this.refuse(ErrorCode.InternalError, "the operation could not be applied", false, requestId);
    }
    if (this.sender) this.services.core.presence.touch(room.document, this.sender);
    // Acknowledgements go out in order, each once its edit is durable.
    const receivedAt = this.receivedAt;
    this.acks = this.acks.then(() => this.acknowledge(room, origin, applied, requestId, receivedAt));
  }

  /**
   * An `Import`: parsed first (a source that does not parse changes nothing and gets `parse_error`
   * with line and column), then planned and applied as one transaction — every client receives one
   * change — and answered with `ImportApplied` once durable. See `src/schema-io/live-import.ts`.
   */
  private importSchema(message: ClientMessageOf<"Import">): void {
    const room = this.room!;
    const requestId = message.request_id;
    const answer = requestId !== undefined ? { request_id: requestId } : {};
    if (this.readOnly) return this.refuse(ErrorCode.ReadOnly, "you have view-only access: the diagram was not changed", false, requestId);
    if (this.services.limiter.charge(this.critical, room.roomId, this.userId, "document_update") === "disconnect") {
      return this.close(CloseCode.RateLimited, CloseReason.RateLimited);
    }
    const origin = { source: "local" as const, context: { kind: "import", userId: this.userId } };
    // In order with this client's other answers; the parsers load on first use, hence async.
    this.acks = this.acks.then(async () => {
      let result: Omit<ServerMessageOf<"ImportApplied">, "type" | "request_id"> | undefined;
      try {
        const parsed = await parseSchema(message.format, message.source);
        if (this.phase !== "joined") return;
        room.document.transact(() => {
          const { target, summary } = planImport(readSchema(room.document), parsed, message.mode);
          result = { ...summary, elements_changed: replaceElements(room.document, target) };
        }, origin);
      } catch (error) {
        if (error instanceof SchemaParseError) {
          this.send({ type: "Error", code: "parse_error", message: error.message, line: error.line, column: error.column, ...answer });
          return;
        }
        if (error instanceof ImportRejected) return this.refuse("validation_failed", error.message, false, requestId);
        this.log.error({ err: error, roomId: room.roomId, userId: this.userId }, "failed to apply Import");
        return this.refuse(ErrorCode.InternalError, "the import could not be applied", false, requestId);
      }
      const durable = await within(this.services.core.durableLog.settled(origin), this.services.ackTimeoutMs ?? 10_000);
      if (this.phase !== "joined" || !result) return;
      if (!durable) return this.close(CloseCode.StorageUnavailable, CloseReason.StorageUnavailable);
      this.send({ type: "ImportApplied", ...result, ...answer });
    });
  }

  private async acknowledge(
    room: JsonRoom,
    origin: Origin,
    applied: AuthoredChange<{ op: GraphOperation }>,
    requestId: string | number | undefined,
    receivedAt: number,
  ): Promise<void> {
    try {
      const stored = await within(this.services.core.durableLog.settled(origin), this.services.ackTimeoutMs ?? 10_000);
      if (this.phase !== "joined") return;
      if (stored === TIMED_OUT) {
        this.log.error({ roomId: room.roomId, userId: this.userId }, "edit not durable in time; disconnecting without acknowledging it");
        return this.close(CloseCode.StorageUnavailable, CloseReason.StorageUnavailable);
      }
      // Not stored because the diagram is gone: never acknowledged as if it were.
      if (!stored) return this.close(CloseCode.Gone, CloseReason.DiagramDeleted);
      const { op } = applied.result;
      this.send({ type: "OpApplied", op, version: applied.version, state: applied.state, deleted: applied.deleted, ...(requestId !== undefined ? { request_id: requestId } : {}) });
      room.broadcaster.release(this);
      room.announce(this, op);
      this.services.core.metrics.messageLatency.observe({ message_type: "GraphOp", priority: "critical" }, (performance.now() - receivedAt) / 1000);
    } catch (error) {
      this.log.error({ err: error, roomId: room.roomId }, "acknowledging a GraphOp failed");
    }
  }

  private publish(state: JsonPresenceState): void {
    const room = this.room;
    if (!room || this.clientId === undefined || !this.sender) return;
    try {
      this.services.core.presence.receive(room.document, this.sender, new Map([[this.clientId, state]]));
    } catch (error) {
      this.log.warn({ err: error, roomId: room.roomId, userId: this.userId }, "presence update refused");
    }
  }

  /** Answers a message with an `Error`; a flood of invalid ones closes the connection. */
  private refuse(code: string, message: string, invalid: boolean, requestId?: string | number): void {
    this.send({ type: "Error", code, message, ...(requestId !== undefined ? { request_id: requestId } : {}) });
    if (invalid && !this.invalid.take(performance.now())) {
      this.log.warn({ userId: this.userId || undefined, roomId: this.context?.roomId }, "too many invalid messages; disconnecting");
      this.close(CloseCode.BadRequest, JsonCloseReason.TooManyInvalidMessages);
    }
  }

  private member(): RoomMember {
    const session = this;
    return {
      context: this.context!,
      protocol: "json",
      get readOnly() {
        return session.readOnlyFlag;
      },
      set readOnly(value: boolean) {
        session.setReadOnly(value);
      },
      close(event: CloseEvent) {
        session.close(event.code, event.reason);
      },
    };
  }

  /** The user's role changed while connected: tell the client its new scope, as at join. */
  private setReadOnly(value: boolean): void {
    if (this.readOnlyFlag === value || !this.context) return;
    this.readOnlyFlag = value;
    if (this.sender) this.sender.readOnly = value;
    const { user, roomId, role } = this.context;
    this.send({ type: "AuthSuccess", user_id: user.userId, room_id: roomId, protocol_version: PROTOCOL_VERSION, role, read_only: value });
  }

  /** Read through a method: TypeScript would keep `phase` narrowed across the awaits above. */
  private isClosed(): boolean {
    return this.phase === "closed";
  }

  private leave(): void {
    if (this.phase === "closed") return;
    const wasJoined = this.phase === "joined";
    this.phase = "closed";
    clearTimeout(this.authTimer);
    this.queued.length = 0;
    if (!wasJoined) return;
    const room = this.room!;
    this.unregister?.();
    if (this.sender) {
      try {
        this.services.core.presence.leave(room.document, this.sender);
      } catch (error) {
        this.log.warn({ err: error, roomId: room.roomId }, "presence leave failed");
      }
    }
    if (this.clientId !== undefined) room.presence.release(this.clientId);
    this.services.rooms.leave(room, this);
    this.services.core.metrics.userLeaves.inc(JSON_LABEL);
    this.log.info({ roomId: room.roomId, userId: this.userId }, "JSON client left");
    this.disconnect();
  }

  private disconnect(): void {
    const connection = this.connection;
    this.connection = undefined;
    if (!connection) return;
    this.disconnected = release(this.services.core.hocuspocus, connection).catch((error: unknown) => {
      this.log.error({ err: error }, "releasing the room document failed");
    });
  }
}

/**
 * Lets go of the room document like a closing WebSocket does: no store of its own (every edit already
 * scheduled one), and the document unloads now if nobody else holds it and no store is pending —
 * otherwise once that store is done. `DirectConnection.disconnect` would always store, which fails
 * (and keeps the document in memory) when the diagram was just deleted.
 */
async function release(hocuspocus: Hocuspocus, connection: DirectConnection): Promise<void> {
  const document = connection.document;
  if (!document) return;
  connection.document = null;
  document.removeDirectConnection();
  if (hocuspocus.shouldUnloadDocument(document)) await hocuspocus.unloadDocument(document);
}

type DirectConnection = Awaited<ReturnType<Hocuspocus["openDirectConnection"]>>;
type AuthMessage = Extract<ClientMessage, { type: "Auth" }>;

function refusalOf(error: unknown): Refusal | undefined {
  if (error instanceof TokenRejected) return new Refusal(CloseCode.Unauthorized, error.reason);
  if (error instanceof Refusal) return error;
  return undefined;
}

const TIMED_OUT = Symbol("timed out");

/** What `promise` resolves to if it settles within `ms`, `TIMED_OUT` otherwise. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function unexpected(value: never): never {
  throw new Error(`unexpected message ${JSON.stringify(value)}`);
}
