/**
 * The client's connection state and why a connection ended, typed for every code and reason in
 * docs/close-codes.md, so an editor can say what happened without parsing strings.
 */
import { CloseCode, CloseReason as ServerCloseReason } from "../close-codes.ts";

/** Where the client's link to the room stands. */
export type ConnectionState =
  /** Opening the socket or authenticating. */
  | "connecting"
  /** Admitted; exchanging the document with the server. */
  | "syncing"
  /** Up to date with the server; edits flow both ways. */
  | "synced"
  /** Not connected; edits are kept and merged on reconnect (reconnecting on its own). */
  | "offline"
  /** Refused or closed for good (`status.closed` says why); no reconnect. */
  | "error";

/** A user's role on the diagram. */
export type Role = "owner" | "editor" | "viewer";

/**
 * Why a connection closed or a join was refused: LiveShare's reasons (src/close-codes.ts) and the
 * WebSocket layer's and Hocuspocus's closes that carry none of them.
 */
export type CloseReason =
  | ServerCloseReason
  /** 1000: closed normally. */
  | "normal"
  /** 1005/1006 or no reason: the network dropped (server gone, Wi-Fi lost). */
  | "connection-lost"
  /** 1007: a text frame that was not UTF-8. */
  | "invalid-payload"
  /** 4205: Hocuspocus's reset (server stopping, too much sent before authenticating). */
  | "reset-connection"
  /** 4408 without a LiveShare reason: no message for too long. */
  | "connection-timeout"
  /** Anything else (a newer server's reason this client does not know yet). */
  | "unknown";

export interface ClosedInfo {
  /** The WebSocket close code (for a refused join: the code that reason is filed under). */
  code: number;
  reason: CloseReason;
  /** The reason text as the server sent it. */
  message: string;
  /** True when the client will not reconnect on its own (revoked, ended, deleted, refused token …). */
  final: boolean;
}

export interface ClientStatus {
  connection: ConnectionState;
  /** Local changes the server has not yet acknowledged as durable (0 = everything stored). */
  unsyncedChanges: number;
  /** The user's role once admitted; undefined before. */
  role: Role | undefined;
  /** True for viewers: `apply` refuses, the server would too. Changes live when a share changes. */
  readOnly: boolean;
  /** The last close or refusal, until the client is admitted again. */
  closed?: ClosedInfo;
}

const SERVER_REASONS = new Set<string>(Object.values(ServerCloseReason));

/** The close code each LiveShare reason is sent with (docs/close-codes.md). */
const CODE_OF_REASON: Readonly<Record<ServerCloseReason, number>> = {
  "missing-token": CloseCode.Unauthorized,
  "malformed-token": CloseCode.Unauthorized,
  "invalid-signature": CloseCode.Unauthorized,
  "token-expired": CloseCode.Unauthorized,
  "invalid-claims": CloseCode.Unauthorized,
  "invalid-room-id": CloseCode.BadRequest,
  "unknown-room": CloseCode.NotFound,
  "session-ended": CloseCode.Gone,
  "diagram-deleted": CloseCode.Gone,
  "access-revoked": CloseCode.Forbidden,
  "permission-denied": CloseCode.Forbidden,
  "room-full": CloseCode.RoomFull,
  "rate-limited": CloseCode.RateLimited,
  "storage-unavailable": CloseCode.StorageUnavailable,
  "message-too-big": CloseCode.MessageTooBig,
  "malformed-frame": CloseCode.BadRequest,
  "unknown-message-type": CloseCode.BadRequest,
  "malformed-update": CloseCode.BadRequest,
  "malformed-awareness": CloseCode.BadRequest,
  "internal-error": CloseCode.InternalError,
  "server-shutdown": CloseCode.ServerShutdown,
  "unapplicable-update": CloseCode.BadRequest,
  "room-unavailable": CloseCode.StorageUnavailable,
  "auth-timeout": CloseCode.Timeout,
  "too-many-connections": CloseCode.TryAgainLater,
  "unauthenticated-buffer-full": CloseCode.TryAgainLater,
};

/**
 * Reasons after which reconnecting cannot help: access is gone, the room is gone, the token is
 * refused, or the client sent something the server will refuse again. (`token-expired` is final only
 * without `getToken`: with it the client fetches a new token and tries again.)
 */
const FINAL_REASONS = new Set<CloseReason>([
  "missing-token",
  "malformed-token",
  "invalid-signature",
  "invalid-claims",
  "token-expired",
  "invalid-room-id",
  "unknown-room",
  "session-ended",
  "diagram-deleted",
  "access-revoked",
  "permission-denied",
  "malformed-frame",
  "unknown-message-type",
  "malformed-update",
  "malformed-awareness",
  "unapplicable-update",
  "message-too-big",
  "invalid-payload",
]);

/** The typed reason of a close (code and reason text as received). */
export function closeReasonOf(code: number, text: string): CloseReason {
  if (SERVER_REASONS.has(text)) return text as ServerCloseReason;
  switch (code) {
    case 1000:
      return "normal";
    case 1005:
    case 1006:
      return "connection-lost";
    case 1007:
      return "invalid-payload";
    case 1009:
      return "message-too-big";
    case 1011:
      return "internal-error";
    case CloseCode.ResetConnection:
      return "reset-connection";
    case CloseCode.Timeout:
      return "connection-timeout";
    case CloseCode.ServerShutdown:
      return "server-shutdown";
    default:
      return text === "" ? "connection-lost" : "unknown";
  }
}

/** What the client reports for a close or refusal. */
export function closedInfo(code: number | undefined, text: string, canRefreshToken: boolean): ClosedInfo {
  const reason = closeReasonOf(code ?? 1006, text);
  const filed = SERVER_REASONS.has(reason) ? CODE_OF_REASON[reason as ServerCloseReason] : undefined;
  // A close message for a room (Hocuspocus's CLOSE) arrives as code 1000 with the reason: report the
  // code the reason is filed under, as the socket's own close will.
  const resolved = code === undefined || (code === 1000 && filed !== undefined) ? (filed ?? 1006) : code;
  const final = FINAL_REASONS.has(reason) && !(reason === "token-expired" && canRefreshToken);
  return { code: resolved, reason, message: text, final };
}
