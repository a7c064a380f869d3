/**
 * `liveshare/client`: what an editor frontend (or a Node program) imports to join a LiveShare diagram,
 * edit it, show presence and work offline. Isomorphic (browsers, Node ≥ 20 with `ws`), built on
 * `@hocuspocus/provider`, and sharing `src/schema-doc` with the server — the same operations and
 * validation on both sides.
 *
 * @example
 * import { LiveShareClient, ActivityTracker } from "liveshare/client";
 *
 * const client = new LiveShareClient({ url: "wss://liveshare.example/collab", roomId, getToken, offline: "indexeddb" });
 * client.on("change", (c) => render(client.diagram(), c));          // c.origin: "local" | "remote"
 * client.on("presence", (others) => drawCursors(others));
 * client.on("status", (s) => showBadge(s.connection, s.unsyncedChanges, s.readOnly, s.closed?.reason));
 * const [op] = client.apply([{ type: "CreateTable", name: "users", x: 0, y: 0 }]);
 * client.presence.set({ cursor: { x: 10, y: 20 }, tool: "select" });
 * new ActivityTracker(client);
 *
 * Refinements of the agreed surface (CLIENT-API.md), all additions:
 * - `apply` returns the operations as applied (generated ids filled in) and throws `ReadOnlyError`
 *   (`code: "read_only"`) for viewers, besides `OperationError` for invalid operations;
 * - `undo()`/`redo()` return whether there was something to undo/redo; a `history` event carries
 *   `{ canUndo, canRedo }`;
 * - `client.settled()` resolves once the server has stored every local change; `client.ready` once the
 *   offline store has loaded; `client.clearOfflineCopy()` deletes it; `client.table(id)`, `client.name`
 *   (with a `name` event), `client.doc` (the Y.Doc);
 * - `presence.local` is this client's own state; `Peer.fields` holds the sender's own fields;
 * - options `reconnect: { minDelayMs, maxDelayMs }` and `doc`;
 * - `status.role`: the Yjs protocol tells only read-only or not, so an owner/editor is told apart by
 *   `GET /api/liveshare/sessions/:room_id` at join (same origin, or CORS); without an answer the role
 *   stays undefined while `readOnly` is exact;
 * - `DiagramChange.origin` is `"remote"` for what IndexedDB restores (it was not made by this session);
 * - `CloseReason` adds to the server's reasons the closes that carry none: `"normal"` (1000),
 *   `"connection-lost"` (1005/1006), `"invalid-payload"` (1007), `"reset-connection"` (4205),
 *   `"connection-timeout"` (4408), `"unknown"`; 1009 is `"message-too-big"`;
 * - `ActivityTracker` options are `target` (input events, default `window`), `visibility` (default
 *   `document`), `idleAfterMs`/`awayAfterMs` (match the server's IDLE_AFTER_MS/AWAY_AFTER_MS); the server
 *   derives idle and away from silence itself, and `tracker.status` is the page's own view of it.
 */
export { LiveShareClient, ReadOnlyError, type ClientEvents, type LiveShareClientOptions, type WebSocketConstructor } from "./client.ts";
export { ActivityTracker, type ActivityEventTarget, type ActivityTrackerOptions, type PresenceTarget, type VisibilitySource } from "./activity-tracker.ts";
export type { DiagramChange, ElementDelta } from "./diagram-mirror.ts";
export { PresenceHandle, type Peer, type Point, type PresenceStatus, type PresenceUpdate, type PresenceUser, type Viewport } from "./presence.ts";
export { closeReasonOf, type ClientStatus, type ClosedInfo, type CloseReason, type ConnectionState, type Role } from "./status.ts";
export type { TokenSupplier } from "./token.ts";
export {
  OperationError,
  OperationErrorCode,
  type Cardinality,
  type ColumnJson,
  type GraphOperation,
  type GraphOperationInput,
  type GraphOperationType,
  type OperationOf,
  type ReferentialAction,
  type RelationshipJson,
  type SchemaJson,
  type TableJson,
} from "../schema-doc/index.ts";
