/**
 * One JSON protocol client, from `Auth` to close: it takes decoded messages and answers through a
 * minimal socket (`{ send, close }`), so the same logic serves any transport and tests drive it
 * without one (tldraw's `handleSocketMessage(sessionId, msg)`).
 */
import { randomUUID } from "node:crypto";
import type { Document, Hocuspocus } from "@hocuspocus/server";
import type { CloseEvent } from "@hocuspocus/common";
import type { PresenceSender } from "../awareness/presence.ts";
import { TokenBucket } from "../limits/token-bucket.ts";
import { CloseCode, CloseReason, Refusal } from "../close-codes.ts";
import type { ConnectionContext } from "../collab/connection-context.ts";
import type { Core } from "../core.ts";
import type { CriticalLimiter } from "../limits/critical-limiter.ts";
import type { Logger } from "../logger.ts";
import { OriginKind, serverEdit, type ServerOrigin } from "../origins.ts";
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
import { JsonPresence, type JsonPresenceState } from "../awareness/json-presence.ts";
import { ImportRejected, planImport } from "../schema-io/merge-plan.ts";
import { SchemaParseError } from "../schema-io/model.ts";
import { parseSchema } from "../schema-io/parse/index.ts";
import type { AuthoredChange } from "./version-delta.ts";

/** What a connection sends through; the transport serializes. */
export interface ClientSocket {
  send(message: ServerMessage): void;
  close(code: number, reason: string): void;
  /** True while the client is not keeping up (its unsent bytes are over a bound). */
  congested?(): boolean;
  /** The client has authenticated and joined (`AuthSuccess` is on its way). */
  authenticated?(): void;
}

export interface ConnectionServices {
  /** `admission` lets the client into its room, as it does Yjs clients. */
  core: Pick<Core, "admission" | "hocuspocus" | "rooms" | "durableLog" | "metrics" | "presence">;
  rooms: JsonRooms;
  /** The Critical budget (document edits), shared in kind with Yjs connections. */
  limiter: CriticalLimiter;
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

/**
 * Where the connection is in its life. Each phase holds what is valid in it, so a handler works
 * with the phase it was given: only a joined connection has a room, a presence and a document.
 */
type Phase = AwaitingAuth | Authenticating | Joined | { readonly kind: "closed" };

interface AwaitingAuth {
  readonly kind: "awaiting-auth";
  /** Closes the connection when no `Auth` comes in time. */
  readonly timer: NodeJS.Timeout;
}

interface Authenticating {
  readonly kind: "authenticating";
  /** Messages sent after `Auth`, handled once joined. */
  readonly queued: ClientMessage[];
}

interface Joined {
  readonly kind: "joined";
  readonly context: ConnectionContext;
  /** Holds the room's document loaded until the connection leaves. */
  readonly connection: DirectConnection;
  readonly room: JsonRoom;
  /** The client's awareness client id in the room. */
  readonly clientId: number;
  readonly presence: JsonPresence;
  /** The client as presence knows it; its `readOnly` is the connection's. */
  readonly sender: PresenceSender;
  /** Takes the member out of `LiveRooms`. */
  readonly unregister: () => void;
}

export class JsonConnection implements RoomClient {
  private phase: Phase;
  private readonly connectionKey = randomUUID();
  /** Presence messages were dropped while the client was congested. */
  private presenceBehind = false;
  private readonly invalid = new TokenBucket(INVALID_BURST, INVALID_PER_SECOND, performance.now());
  private readonly critical: TokenBucket;
  private readonly fullSyncs = new TokenBucket(5, 0.2, performance.now());
  private acks: Promise<void> = Promise.resolve();
  private authenticating: Promise<void> = Promise.resolve();
  private disconnected: Promise<void> = Promise.resolve();
  private readonly log: Logger;
  /** When the message being handled arrived (for the end-to-end latency of GraphOps). */
  private receivedAt = 0;

  constructor(
    private readonly services: ConnectionServices,
    private readonly socket: ClientSocket,
  ) {
    this.critical = services.limiter.bucket();
    this.log = services.logger;
    const timer = setTimeout(() => this.close(CloseCode.Timeout, JsonCloseReason.AuthTimeout), services.authTimeoutMs ?? 10_000);
    timer.unref();
    this.phase = { kind: "awaiting-auth", timer };
  }

  /** The client's awareness client id in its room; undefined unless joined. */
  get clientId(): number | undefined {
    return this.phase.kind === "joined" ? this.phase.clientId : undefined;
  }

  /** The authenticated user's id (`target_user_id`); empty unless joined. */
  get userId(): string {
    return this.phase.kind === "joined" ? this.phase.context.user.userId : "";
  }

  /** Whether the client may only look; true unless joined with a role that may edit. */
  get readOnly(): boolean {
    return this.phase.kind === "joined" ? this.phase.sender.readOnly : true;
  }

  /** The room the client has joined; undefined before `AuthSuccess` and after the connection closed. */
  get roomId(): string | undefined {
    return this.phase.kind === "joined" ? this.phase.context.roomId : undefined;
  }

  /** Resolves once the connection has closed and released the room's document. */
  async finished(): Promise<void> {
    await this.authenticating;
    await this.disconnected;
  }

  /** A text frame from the client. */
  handleText(text: string, bytes = Buffer.byteLength(text)): void {
    if (this.phase.kind === "closed") return;
    const decoded = decodeClientMessage(text);
    const type = decoded.ok ? decoded.message.type : (decoded.type ?? "invalid");
    const { metrics } = this.services.core;
    // Presence counts the presence messages it receives (as cursor, viewport, …): not twice.
    if (!decoded.ok || !PRESENCE_TYPES.has(type)) metrics.messagesReceived.inc({ message_type: type, priority: type === "invalid" ? "normal" : PRIORITY_OF[type] });
    metrics.bytesReceived.inc({ message_type: type }, bytes);
    if (this.log.isLevelEnabled("trace")) this.log.trace({ roomId: this.roomId, userId: this.userId || undefined, messageType: type, bytes }, "received");
    if (!decoded.ok) return this.refuse(decoded.code, decoded.message, true);
    this.receivedAt = performance.now();
    this.handleMessage(decoded.message);
  }

  /** A binary frame: not part of this protocol. */
  handleBinary(bytes: number): void {
    if (this.phase.kind === "closed") return;
    this.services.core.metrics.bytesReceived.inc({ message_type: "invalid" }, bytes);
    this.refuse(ErrorCode.InvalidMessage, "messages are JSON text frames; binary frames are not part of this protocol", true);
  }

  /** A decoded client message. */
  handleMessage(message: ClientMessage): void {
    const phase = this.phase;
    switch (phase.kind) {
      case "closed":
        return;
      case "awaiting-auth": {
        if (message.type !== "Auth") return this.refuse(ErrorCode.NotAuthenticated, `send Auth first (got ${message.type})`, true);
        clearTimeout(phase.timer);
        const authenticating: Authenticating = { kind: "authenticating", queued: [] };
        this.phase = authenticating;
        this.authenticating = this.authenticate(message, authenticating);
        return;
      }
      case "authenticating":
        if (message.type === "Auth") return this.refuse(ErrorCode.AlreadyAuthenticated, "Auth was already sent on this connection", true);
        if (phase.queued.length >= MAX_QUEUED) return this.refuse(ErrorCode.NotAuthenticated, "too many messages before AuthSuccess", true);
        phase.queued.push(message);
        return;
      case "joined":
        return this.dispatch(message, phase);
      default:
        return unexpected(phase);
    }
  }

  /** Closes the connection from the server's side (revocation, session end, shutdown, abuse). */
  close(code: number, reason: string): void {
    if (this.phase.kind === "closed") return;
    this.leave();
    this.socket.close(code, reason);
  }

  /** The transport reports the socket closed. */
  closed(): void {
    this.leave();
  }

  send(message: ServerMessage): void {
    if (this.phase.kind === "closed") return;
    const priority = PRIORITY_OF[message.type];
    if (priority === Priority.Volatile || priority === Priority.Low) {
      // A client that is not keeping up loses cursors and viewports first; once it catches up, a
      // RoomInfo brings its view of everyone's presence up to date again.
      if (this.socket.congested?.()) {
        this.presenceBehind = true;
        this.services.core.metrics.messagesDropped.inc({ message_type: message.type, reason: "congested" });
        return;
      }
      if (this.presenceBehind && this.phase.kind === "joined") {
        this.presenceBehind = false;
        this.socket.send(this.roomInfo(this.phase.room));
      }
    }
    this.socket.send(message);
  }

  private dispatch(message: ClientMessage, joined: Joined): void {
    const { presence, room } = joined;
    switch (message.type) {
      case "Auth":
        return this.refuse(ErrorCode.AlreadyAuthenticated, "this connection is already authenticated", true);
      case "GraphOp":
        return this.graphOp(joined, message.op, message.request_id);
      case "Import":
        return this.importSchema(joined, message);
      case "CursorMove":
        return this.publish(joined, presence.cursor(message.position));
      case "UserViewport":
        return this.publish(joined, presence.viewport(message.center, message.zoom));
      case "IdleStatus":
        return this.publish(joined, presence.activity(message.is_active));
      case "Awareness": {
        let state: JsonPresenceState;
        try {
          state = presence.awareness(message.state);
        } catch (error) {
          return this.refuse(ErrorCode.InvalidMessage, `Awareness: ${(error as Error).message}`, true);
        }
        return this.publish(joined, state);
      }
      case "RequestFullSync":
        // A full state can be large: a client may ask a few times, not in a loop.
        if (!this.fullSyncs.take(performance.now())) return this.refuse(ErrorCode.RateLimited, "RequestFullSync: at most one every 5 s after a burst of 5", false);
        this.log.debug({ roomId: room.roomId, userId: joined.context.user.userId }, "sending full sync on request");
        return room.broadcaster.requestFull(this);
      default:
        return unexpected(message);
    }
  }

  /**
   * `Auth`, through the same admission as Yjs clients: token, identity and role, a place in the room,
   * the room's document, then the role again if access changed meanwhile — and the client joins.
   */
  private async authenticate(message: AuthMessage, authenticating: Authenticating): Promise<void> {
    const { admission, hocuspocus } = this.services.core;
    // Read through a function: TypeScript would keep `phase` narrowed across the awaits below.
    const abandoned = () => this.phase !== authenticating;
    let reserved: ConnectionContext | undefined;
    let connection: DirectConnection | undefined;
    try {
      const context = await admission.identify(message.token, message.room_id);
      if (abandoned()) return;
      admission.reserve(context);
      reserved = context;
      connection = await hocuspocus.openDirectConnection(context.roomId, context);
      const { document } = connection;
      if (abandoned() || !document) return;
      // An access change applied since the role was looked up found no member to act on: look it up
      // again (a revoked client is refused here). `join` registers the member in the same step as
      // the last check, so every later change finds it.
      const role = await admission.confirm(context, abandoned);
      if (role === undefined || abandoned()) return;
      context.role = role;
      this.join(context, connection, document);
      for (const queued of authenticating.queued.splice(0)) this.handleMessage(queued);
    } catch (error) {
      const refusal = error instanceof Refusal ? error : undefined;
      if (!refusal) this.log.error({ err: error, roomId: message.room_id }, "JSON client authentication failed unexpectedly");
      else this.log.info({ roomId: message.room_id, reason: refusal.reason }, "JSON client refused");
      const { code, reason } = refusal ?? { code: CloseCode.InternalError, reason: CloseReason.InternalError };
      if (this.phase.kind === "closed") return;
      this.send({ type: "AuthFailure", reason });
      this.close(code, reason);
    } finally {
      // A member now (LiveRooms counts it), or never to be one.
      if (reserved) admission.release(reserved);
      // Opened but not joined (closed meanwhile, or refused): the document is let go here, once.
      if (connection && this.phase.kind !== "joined") this.disconnect(connection);
    }
  }

  /**
   * Joins the room: `AuthSuccess`, the full `GraphState`, `RoomInfo`. No `SnapshotRecovery`: its Yjs
   * binary is of no use without Yjs, and the full state that follows is the current diagram, not an
   * older one.
   */
  private join(context: ConnectionContext, connection: DirectConnection, document: Document): void {
    const { core } = this.services;
    const { user, roomId } = context;
    const readOnly = context.role === "viewer";
    this.socket.authenticated?.();
    const unregister = core.rooms.addMember(roomId, this.member(context));
    const room = this.services.rooms.join(roomId, document, this);
    const joined: Joined = {
      kind: "joined",
      context,
      connection,
      room,
      clientId: room.presence.allocate(user),
      // Presence renews the state itself (awareness forgets states older than 30 s).
      presence: new JsonPresence(),
      sender: { key: this, user, protocol: "json", readOnly },
      unregister,
    };
    this.phase = joined;

    this.send({ type: "AuthSuccess", user_id: user.userId, room_id: roomId, protocol_version: PROTOCOL_VERSION, role: context.role, read_only: readOnly });
    room.broadcaster.addClient(this);
    this.send(this.roomInfo(room));

    core.presence.join(document, joined.sender);
    this.publish(joined, joined.presence.current);

    core.metrics.userJoins.inc(JSON_LABEL);
    this.log.info({ roomId, userId: user.userId, diagramId: context.diagramId, role: context.role }, "JSON client joined");
  }

  private roomInfo(room: JsonRoom): ServerMessageOf<"RoomInfo"> {
    const users = room.presence.users(this.services.core.rooms.usersPresent(room.roomId));
    return { type: "RoomInfo", room_id: room.roomId, users, active_user_count: users.filter((u) => u.is_active).length };
  }

  private graphOp(joined: Joined, op: unknown, requestId: string | number | undefined): void {
    const { room, sender } = joined;
    const { userId } = joined.context.user;
    if (sender.readOnly) return this.refuse(ErrorCode.ReadOnly, "you have view-only access: the diagram was not changed", false, requestId);
    // Critical: never dropped; a client far over its budget for long is disconnected (and may reconnect).
    if (this.services.limiter.charge(this.critical, room.roomId, userId, "document_update") === "disconnect") {
      return this.close(CloseCode.RateLimited, CloseReason.RateLimited);
    }
    // A fresh origin per edit: the durable log tells when exactly this edit is stored.
    const origin = serverEdit(OriginKind.Json, { userId, connectionKey: this.connectionKey });
    let applied: AuthoredChange<{ op: GraphOperation }>;
    try {
      applied = room.broadcaster.authored(this, origin, () => applyOperation(room.document, op, origin));
    } catch (error) {
      if (error instanceof OperationError) {
        this.log.debug({ roomId: room.roomId, userId, code: error.code }, "GraphOp refused");
        return this.refuse(error.code, error.message, error.code === OperationErrorCode.InvalidOperation, requestId);
      }
      this.log.error({ err: error, roomId: room.roomId, userId }, "failed to apply GraphOp");
      return this.refuse(ErrorCode.InternalError, "the operation could not be applied", false, requestId);
    }
    this.services.core.presence.touch(room.document, sender);
    // Acknowledgements go out in order, each once its edit is durable.
    const receivedAt = this.receivedAt;
    this.acks = this.acks.then(() => this.acknowledge(joined, origin, applied, requestId, receivedAt));
  }

  /**
   * An `Import`: parsed first (a source that does not parse changes nothing and gets `parse_error`
   * with line and column), then planned and applied as one transaction — every client receives one
   * change — and answered with `ImportApplied` once durable. See `src/schema-io/live-import.ts`.
   */
  private importSchema(joined: Joined, message: ClientMessageOf<"Import">): void {
    const { room } = joined;
    const { userId } = joined.context.user;
    const requestId = message.request_id;
    const answer = requestId !== undefined ? { request_id: requestId } : {};
    if (joined.sender.readOnly) return this.refuse(ErrorCode.ReadOnly, "you have view-only access: the diagram was not changed", false, requestId);
    if (this.services.limiter.charge(this.critical, room.roomId, userId, "document_update") === "disconnect") {
      return this.close(CloseCode.RateLimited, CloseReason.RateLimited);
    }
    const origin = serverEdit(OriginKind.Import, { userId });
    // In order with this client's other answers; the parsers load on first use, hence async.
    this.acks = this.acks.then(async () => {
      let result: Omit<ServerMessageOf<"ImportApplied">, "type" | "request_id"> | undefined;
      try {
        const parsed = await parseSchema(message.format, message.source);
        if (this.phase !== joined) return;
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
        this.log.error({ err: error, roomId: room.roomId, userId }, "failed to apply Import");
        return this.refuse(ErrorCode.InternalError, "the import could not be applied", false, requestId);
      }
      const durable = await within(this.services.core.durableLog.settled(origin), this.services.ackTimeoutMs ?? 10_000);
      if (this.phase !== joined || !result) return;
      if (!durable) return this.close(CloseCode.StorageUnavailable, CloseReason.StorageUnavailable);
      this.send({ type: "ImportApplied", ...result, ...answer });
    });
  }

  private async acknowledge(
    joined: Joined,
    origin: ServerOrigin,
    applied: AuthoredChange<{ op: GraphOperation }>,
    requestId: string | number | undefined,
    receivedAt: number,
  ): Promise<void> {
    const { room } = joined;
    try {
      const stored = await within(this.services.core.durableLog.settled(origin), this.services.ackTimeoutMs ?? 10_000);
      if (this.phase !== joined) return;
      if (stored === TIMED_OUT) {
        this.log.error({ roomId: room.roomId, userId: joined.context.user.userId }, "edit not durable in time; disconnecting without acknowledging it");
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

  private publish({ room, sender, clientId }: Joined, state: JsonPresenceState): void {
    try {
      this.services.core.presence.receive(room.document, sender, new Map([[clientId, state]]));
    } catch (error) {
      this.log.warn({ err: error, roomId: room.roomId, userId: sender.user.userId }, "presence update refused");
    }
  }

  /** Answers a message with an `Error`; a flood of invalid ones closes the connection. */
  private refuse(code: string, message: string, invalid: boolean, requestId?: string | number): void {
    this.send({ type: "Error", code, message, ...(requestId !== undefined ? { request_id: requestId } : {}) });
    if (invalid && !this.invalid.take(performance.now())) {
      this.log.warn({ userId: this.userId || undefined, roomId: this.roomId }, "too many invalid messages; disconnecting");
      this.close(CloseCode.BadRequest, JsonCloseReason.TooManyInvalidMessages);
    }
  }

  private member(context: ConnectionContext): RoomMember {
    const connection = this;
    return {
      context,
      protocol: "json",
      get readOnly() {
        return connection.readOnly;
      },
      set readOnly(value: boolean) {
        connection.setReadOnly(value);
      },
      close(event: CloseEvent) {
        connection.close(event.code, event.reason);
      },
    };
  }

  /** The user's role changed while connected: tell the client its new scope, as at join. */
  private setReadOnly(value: boolean): void {
    const phase = this.phase;
    if (phase.kind !== "joined" || phase.sender.readOnly === value) return;
    phase.sender.readOnly = value;
    const { user, roomId, role } = phase.context;
    this.send({ type: "AuthSuccess", user_id: user.userId, room_id: roomId, protocol_version: PROTOCOL_VERSION, role, read_only: value });
  }

  private leave(): void {
    const phase = this.phase;
    if (phase.kind === "closed") return;
    this.phase = { kind: "closed" };
    // Messages queued while authenticating go with their phase.
    if (phase.kind === "awaiting-auth") clearTimeout(phase.timer);
    if (phase.kind !== "joined") return;
    const { room, sender } = phase;
    phase.unregister();
    try {
      this.services.core.presence.leave(room.document, sender);
    } catch (error) {
      this.log.warn({ err: error, roomId: room.roomId }, "presence leave failed");
    }
    room.presence.release(phase.clientId);
    this.services.rooms.leave(room, this);
    this.services.core.metrics.userLeaves.inc(JSON_LABEL);
    this.log.info({ roomId: room.roomId, userId: sender.user.userId }, "JSON client left");
    this.disconnect(phase.connection);
  }

  /** Lets go of the room's document, once. */
  private disconnect(connection: DirectConnection): void {
    if (!connection.document) return;
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
  throw new Error(`unexpected ${JSON.stringify(value)}`);
}
