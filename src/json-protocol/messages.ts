/**
 * The JSON LiveShare wire protocol (`/api/liveshare/ws`): every message a client sends and every
 * message the server sends, as JSON objects tagged by `type` with snake_case fields and positions as
 * `[x, y]`. This file is the whole protocol; the zod schemas are the validation and the types are
 * derived from them.
 *
 * Lifecycle: the client sends `Auth` → the server answers `AuthSuccess` (or `AuthFailure` and closes),
 * then a full `GraphState` and `RoomInfo` → real-time messages both ways → (a second `AuthSuccess`
 * whenever the user's role changes while connected, e.g. a share or the link lowered to view) →
 * on close the others get `UserLeft`.
 *
 * Schema state: every table and relationship carries its server `version`. A `GraphState` with
 * `full: true` replaces what the client holds; with `full: false` it holds only the elements that
 * changed since the client was last sent them (replace each by id) and the ids in `deleted` (remove
 * them). The client's own `GraphOp`s are answered with `OpApplied` — carrying the resulting elements —
 * and are not echoed back in a later `GraphState`. A client that is unsure of its state sends
 * `RequestFullSync`.
 */
import { z } from "zod";
import { Priority } from "../limits/priorities.ts";
import { IMPORT_FORMATS, IMPORT_MODES } from "../schema-io/model.ts";
import { graphOperationSchema, type GraphOperation, type RelationshipJson, type SchemaJson, type TableJson } from "../schema-doc/index.ts";
import { parseWellFormedJson } from "./well-formed-json.ts";

/** Bumped on any incompatible change to the messages below; sent in `AuthSuccess`. */
export const PROTOCOL_VERSION = 1;

/** Why a message was refused (`Error.code`). Close reasons (`AuthFailure.reason`) are in `close-codes.ts`. */
export const ErrorCode = {
  /** Not JSON, not an object, or fields missing or of the wrong type. */
  InvalidMessage: "invalid_message",
  /** A `type` this protocol does not have. */
  UnknownType: "unknown_type",
  /** Anything but `Auth` before `AuthSuccess`. */
  NotAuthenticated: "not_authenticated",
  /** A second `Auth` on one connection. */
  AlreadyAuthenticated: "already_authenticated",
  /** A `GraphOp` from a viewer: nothing was changed. */
  ReadOnly: "read_only",
  /** The operation is malformed or impossible (see `src/schema-doc/errors.ts`). */
  InvalidOperation: "invalid_operation",
  /** The operation names an element that does not exist (perhaps deleted concurrently). */
  NotFound: "not_found",
  /** The operation wants to create an id that is taken. */
  Conflict: "conflict",
  /** Over this connection's rate limit for the message type: the message was dropped. */
  RateLimited: "rate_limited",
  /** The server failed; the message had no effect. */
  InternalError: "internal_error",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Message priorities (docs/SPEC.md LIM-1): one definition for presence, metrics and this protocol. */
export { Priority };

const coordinate = z.number().min(-1e9).max(1e9);
/** A point on the canvas as `[x, y]`. */
const position = z.tuple([coordinate, coordinate]);
const zoom = z.number().positive().max(1e4);
/** Echoed in the reply (`OpApplied` or `Error`) so a client can match answers to requests. */
const requestId = z.union([z.string().max(64), z.number().int()]).optional();

// ---------------------------------------------------------------------------------------------
// Client → server
// ---------------------------------------------------------------------------------------------

/** A client's GraphOperation, checked when applied (`protocol.schema.json` documents it as a GraphOperation). */
export const graphOpPayload = z.unknown();

/** Objects are strict: an unknown key (including `__proto__`) is an error, not silently ignored. */
export const clientMessageSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("Auth"), token: z.string().max(8192), room_id: z.string().max(128) }),
  /** `op` is validated by `parseGraphOperation` when applied, so its errors name the field. */
  z.strictObject({ type: z.literal("GraphOp"), op: graphOpPayload, request_id: requestId }),
  /** DDL or DBML applied to the diagram as one change, as `POST /api/diagrams/:id/import` does (see docs/schema-io.md). */
  z.strictObject({
    type: z.literal("Import"),
    format: z.enum(IMPORT_FORMATS),
    source: z.string().min(1),
    mode: z.enum(IMPORT_MODES).default("merge"),
    request_id: requestId,
  }),
  z.strictObject({ type: z.literal("CursorMove"), position }),
  z.strictObject({ type: z.literal("IdleStatus"), is_active: z.boolean() }),
  z.strictObject({ type: z.literal("UserViewport"), center: position, zoom }),
  /**
   * Presence fields to set, as in presence state v1 (`cursor`, `viewport`, `selection`, `status`);
   * `user` is always the token's identity, so a claimed one is ignored.
   */
  z.strictObject({ type: z.literal("Awareness"), state: z.record(z.string(), z.unknown()) }),
  /** Asks for a full `GraphState` now (docs/SPEC.md JSON-17; for a client that lost track). */
  z.strictObject({ type: z.literal("RequestFullSync") }),
]);
export type ClientMessage = z.output<typeof clientMessageSchema>;
/** The client message with tag `T`, e.g. `ClientMessageOf<"Import">`. */
export type ClientMessageOf<T extends ClientMessage["type"]> = Extract<ClientMessage, { type: T }>;
export type ClientMessageType = ClientMessage["type"];
export const CLIENT_MESSAGE_TYPES: readonly ClientMessageType[] = clientMessageSchema.options.map((o) => o.shape.type.value);

// ---------------------------------------------------------------------------------------------
// Server → client
// ---------------------------------------------------------------------------------------------

const status = z.enum(["active", "idle", "away"]);

/** A user in the room, as `RoomInfo` and `UserJoined` describe them. */
export const remoteUserSchema = z.object({
  user_id: z.string(),
  username: z.string(),
  color: z.string(),
  cursor_position: position.nullable(),
  viewport: z.object({ center: position, zoom: z.number() }).nullable(),
  selection: z.array(z.string()),
  is_active: z.boolean(),
  status,
});
export type RemoteUser = z.output<typeof remoteUserSchema>;

/** A diagram state (schema document v1 as JSON); documented as `SchemaState` in `protocol.schema.json`. */
export const schemaState = z.custom<SchemaJson>(
  (value) => typeof value === "object" && value !== null && Array.isArray((value as SchemaJson).tables) && Array.isArray((value as SchemaJson).relationships),
);
export const graphOperation = z.custom<GraphOperation>((value) => graphOperationSchema.safeParse(value).success);

const importCounts = z.object({ added: z.number(), changed: z.number(), kept: z.number(), removed: z.number() });

export const serverMessageSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("AuthSuccess"),
    user_id: z.string(),
    room_id: z.string(),
    protocol_version: z.number(),
    role: z.enum(["owner", "editor", "viewer"]),
    read_only: z.boolean(),
  }),
  /** Followed by a close frame with the same reason (see `close-codes.ts`). */
  z.object({ type: z.literal("AuthFailure"), reason: z.string() }),
  /**
   * `full: true`: the whole diagram. `full: false`: the elements changed since this client was last
   * sent them, and `deleted` ids. `version` is the room-wide version this state reflects.
   */
  z.object({
    type: z.literal("GraphState"),
    state: schemaState,
    target_user_id: z.string(),
    full: z.boolean(),
    deleted: z.array(z.string()),
    version: z.number(),
  }),
  z.object({ type: z.literal("RoomInfo"), room_id: z.string(), users: z.array(remoteUserSchema), active_user_count: z.number() }),
  /** Another JSON client's operation, as applied (informational: `GraphState` carries the result). */
  z.object({ type: z.literal("GraphOp"), user_id: z.string(), op: graphOperation }),
  /**
   * The answer to this client's own `GraphOp`, sent once the edit is durable: the operation with
   * generated ids filled in, the room version it produced, and the resulting elements.
   */
  z.object({
    type: z.literal("OpApplied"),
    op: graphOperation,
    version: z.number(),
    state: schemaState,
    deleted: z.array(z.string()),
    request_id: requestId,
  }),
  z.object({ type: z.literal("CursorMove"), user_id: z.string(), position }),
  /** `status` refines `is_active` with the activity rules: active, idle or away. */
  z.object({ type: z.literal("IdleStatus"), user_id: z.string(), is_active: z.boolean(), status }),
  z.object({ type: z.literal("UserViewport"), user_id: z.string(), center: position, zoom: z.number() }),
  z.object({ type: z.literal("UserJoined"), user: remoteUserSchema }),
  z.object({ type: z.literal("UserLeft"), user_id: z.string() }),
  /** Another client's full presence state (presence state v1). */
  z.object({ type: z.literal("Awareness"), user_id: z.string(), state: z.record(z.string(), z.unknown()) }),
  /** The answer to this client's own `Import`, once it is durable: what was added, changed, kept, removed and skipped. */
  z.object({
    type: z.literal("ImportApplied"),
    mode: z.enum(IMPORT_MODES),
    tables: z.object({ added: z.array(z.string()), changed: z.array(z.string()), kept: z.array(z.string()), removed: z.array(z.string()) }),
    columns: importCounts,
    relationships: importCounts,
    skipped: z.array(z.object({ line: z.number().optional(), statement: z.string(), reason: z.string() })),
    elements_changed: z.number(),
    request_id: requestId,
  }),
  /** `line` and `column` (1-based) come with `parse_error`, the answer to an `Import` whose source does not parse. */
  z.object({ type: z.literal("Error"), code: z.string(), message: z.string(), line: z.number().optional(), column: z.number().optional(), request_id: requestId }),
]);
export type ServerMessage = z.output<typeof serverMessageSchema>;
export type ServerMessageType = ServerMessage["type"];
/** The server message with tag `T`, e.g. `ServerMessageOf<"GraphState">`. */
export type ServerMessageOf<T extends ServerMessageType> = Extract<ServerMessage, { type: T }>;

/** Elements of a schema state: what `GraphState` and `OpApplied` carry. */
export type SchemaElement = TableJson | RelationshipJson;

/** Each message's priority (metrics label, and what may be dropped when a socket is congested). */
export const PRIORITY_OF: Readonly<Record<ClientMessageType | ServerMessageType, Priority>> = {
  Auth: Priority.Critical,
  AuthSuccess: Priority.Critical,
  AuthFailure: Priority.Critical,
  GraphOp: Priority.Critical,
  OpApplied: Priority.Critical,
  Import: Priority.Critical,
  ImportApplied: Priority.Critical,
  GraphState: Priority.Critical,
  RequestFullSync: Priority.Normal,
  RoomInfo: Priority.Normal,
  UserJoined: Priority.Normal,
  UserLeft: Priority.Normal,
  Awareness: Priority.Normal,
  Error: Priority.Normal,
  IdleStatus: Priority.Low,
  UserViewport: Priority.Low,
  CursorMove: Priority.Volatile,
};

const CLIENT_TYPES: ReadonlySet<string> = new Set(CLIENT_MESSAGE_TYPES);
const MAX_DETAIL = 300;

/** A client frame that could not be read as a message: what to answer. */
export interface DecodeFailure {
  code: typeof ErrorCode.InvalidMessage | typeof ErrorCode.UnknownType;
  message: string;
  /** The message's `type` when it had a known one (metrics label), else undefined. */
  type: ClientMessageType | undefined;
}

/**
 * Reads one text frame as a client message.
 *
 * @example
 * const result = decodeClientMessage('{"type":"CursorMove","position":[10,20]}');
 * if (result.ok) result.message.position; // [10, 20]
 */
export function decodeClientMessage(text: string): { ok: true; message: ClientMessage } | ({ ok: false } & DecodeFailure) {
  let value: unknown;
  try {
    value = parseWellFormedJson(text);
  } catch {
    return { ok: false, code: ErrorCode.InvalidMessage, message: "the message is not valid JSON", type: undefined };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, code: ErrorCode.InvalidMessage, message: "a message is a JSON object with a `type`", type: undefined };
  }
  const type: unknown = (value as { type?: unknown }).type;
  if (typeof type !== "string" || !CLIENT_TYPES.has(type)) {
    const shown = typeof type === "string" ? JSON.stringify(type.slice(0, 64)) : "missing";
    return { ok: false, code: ErrorCode.UnknownType, message: `unknown message type ${shown}; expected one of ${CLIENT_MESSAGE_TYPES.join(", ")}`, type: undefined };
  }
  const parsed = clientMessageSchema.safeParse(value);
  if (parsed.success) return { ok: true, message: parsed.data };
  const detail = parsed.error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.map(String).join(".") : "message"}: ${issue.message}`).join("; ");
  return {
    ok: false,
    code: ErrorCode.InvalidMessage,
    message: `${type}: ${detail.length > MAX_DETAIL ? `${detail.slice(0, MAX_DETAIL)}…` : detail}`,
    type: type as ClientMessageType,
  };
}
