/**
 * Why LiveShare closes a WebSocket or refuses a client: one place for every code and reason, so a
 * client author can always tell what happened (documented in the README). Codes reuse Hocuspocus's
 * where they fit (4401, 4403, 1009); reasons are the stable, machine-readable part.
 */
export const CloseCode = {
  Normal: 1000,
  /** A frame larger than MAX_MESSAGE_BYTES (sent by the WebSocket layer itself). */
  MessageTooBig: 1009,
  InternalError: 1011,
  /** Too many sockets are waiting to authenticate (from this address or in all): try again later. */
  TryAgainLater: 1013,
  /** Hocuspocus's generic reset: reconnect and resync. */
  ResetConnection: 4205,
  BadRequest: 4400,
  Unauthorized: 4401,
  Forbidden: 4403,
  NotFound: 4404,
  Timeout: 4408,
  /** The session ended or the diagram was deleted while connected. */
  Gone: 4410,
  /** The room already has MAX_USERS_PER_ROOM users; try again when someone leaves. */
  RoomFull: 4409,
  RateLimited: 4429,
  /** The update could not be made durable yet (it is retried), or the room could not be loaded: reconnect. */
  StorageUnavailable: 4503,
  ServerShutdown: 4001,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

export const CloseReason = {
  MissingToken: "missing-token",
  MalformedToken: "malformed-token",
  InvalidSignature: "invalid-signature",
  TokenExpired: "token-expired",
  InvalidClaims: "invalid-claims",
  InvalidRoomId: "invalid-room-id",
  UnknownRoom: "unknown-room",
  SessionEnded: "session-ended",
  DiagramDeleted: "diagram-deleted",
  AccessRevoked: "access-revoked",
  PermissionDenied: "permission-denied",
  RoomFull: "room-full",
  RateLimited: "rate-limited",
  StorageUnavailable: "storage-unavailable",
  MessageTooBig: "message-too-big",
  /** A WebSocket frame that is not a well-formed message of the endpoint's protocol. */
  MalformedFrame: "malformed-frame",
  /** A well-formed frame of a message type clients may not send (or that no version defines). */
  UnknownMessageType: "unknown-message-type",
  /** A Yjs document update that does not decode. */
  MalformedUpdate: "malformed-update",
  /** A Yjs document update that decodes but cannot be applied (it refers to itself, for example). */
  UnapplicableUpdate: "unapplicable-update",
  /** The room's document could not be loaded from storage; nothing is wrong with the client's access. */
  RoomUnavailable: "room-unavailable",
  /** No authentication within AUTH_TIMEOUT_MS of connecting. */
  AuthTimeout: "auth-timeout",
  /** Too many unauthenticated sockets from the client's address, or in all. */
  TooManyConnections: "too-many-connections",
  /** More sent before authenticating than the server holds for one socket, or for all of them. */
  UnauthenticatedBufferFull: "unauthenticated-buffer-full",
  /** An awareness update that does not decode, or whose states are not JSON objects. */
  MalformedAwareness: "malformed-awareness",
  InternalError: "internal-error",
  ServerShutdown: "server-shutdown",
} as const;
export type CloseReason = (typeof CloseReason)[keyof typeof CloseReason];

/** A refusal carrying its close code and reason; Hocuspocus sends `reason` as the permission-denied text. */
export class Refusal extends Error {
  constructor(
    readonly code: CloseCode,
    readonly reason: string,
    message?: string,
  ) {
    super(message ?? reason);
    this.name = "Refusal";
  }
}
