/**
 * LiveShareClient: one room of one LiveShare server, from a browser or Node. A HocuspocusProvider
 * underneath carries the Y.Doc and the awareness; this class gives them LiveShare's meaning — the
 * diagram as typed JSON with change events, GraphOperations validated by src/schema-doc (the same
 * code the server runs), undo of one's own changes, presence, and a connection status whose close
 * reasons are typed.
 */
import { HocuspocusProvider, HocuspocusProviderWebsocket, WebSocketStatus } from "@hocuspocus/provider";
import * as Y from "yjs";
import { applyOperation, metaOf, relationshipsOf, tablesOf, type GraphOperation, type GraphOperationInput, type SchemaJson, type TableJson } from "../schema-doc/index.ts";
import { DiagramMirror, type DiagramChange } from "./diagram-mirror.ts";
import { Emitter } from "./emitter.ts";
import { endpointOf, type Endpoint } from "./endpoint.ts";
import { openOfflineStore, type OfflineStore } from "./offline.ts";
import { PresenceHandle, type Peer, type Viewport } from "./presence.ts";
import { closedInfo, type ClientStatus, type ClosedInfo, type Role } from "./status.ts";
import { TokenSource, type TokenSupplier } from "./token.ts";

/** A WebSocket class: the platform's, or `ws`'s on Node 20 (which has none built in). */
export type WebSocketConstructor = new (url: string) => object;

export interface LiveShareClientOptions {
  /** The `/collab` endpoint (`ws://host:8080/collab`) or the server's base (`http://host:8080`). */
  url: string;
  /** The room id, from `POST /api/liveshare/sessions` (`room_id`). */
  roomId: string;
  /** A fixed access token; or give `getToken`. */
  token?: string;
  /**
   * Called for a token at join, on every reconnect, and shortly before the current token expires
   * (JWT `exp`), so a reconnect never starts with a stale one.
   */
  getToken?: TokenSupplier;
  /** The WebSocket class to use; defaults to the global `WebSocket` (browsers, Node ≥ 22). */
  WebSocketPolyfill?: WebSocketConstructor;
  /**
   * `"indexeddb"` keeps the document in the browser's IndexedDB (`y-indexeddb`), so edits made while
   * offline survive a reload and are merged when the connection returns. Default `false`.
   */
  offline?: "indexeddb" | false;
  /** Reconnection back-off in ms (defaults 1000 … 30000). */
  reconnect?: { minDelayMs?: number; maxDelayMs?: number };
  /** The Y.Doc to use (default: a new one). */
  doc?: Y.Doc;
}

/** Events of a {@link LiveShareClient}. */
export interface ClientEvents {
  /** The diagram changed: what, and whether this client did it. */
  change: DiagramChange;
  /** Someone else's presence changed: everyone else, as now. */
  presence: Peer[];
  /** The followed user's viewport changed (null: they have none, or left). */
  follow: Viewport | null;
  /** The connection status changed. */
  status: ClientStatus;
  /** `canUndo` / `canRedo` may have changed. */
  history: { canUndo: boolean; canRedo: boolean };
  /** The diagram's name (`meta.name`) changed, e.g. on first sync or a rename. */
  name: string | undefined;
}

/** Thrown by `apply`, `undo` and `redo` on a read-only (viewer) client; nothing changes. */
export class ReadOnlyError extends Error {
  override readonly name = "ReadOnlyError";
  readonly code = "read_only";
  constructor() {
    super("this client is read-only (viewer): edits are not accepted");
  }
}

/**
 * Edits made within this many ms of each other are one undo step (a drag is one step however many
 * frames it has); `stopCapturing()` ends a step early.
 */
const UNDO_CAPTURE_MS = 500;

export class LiveShareClient extends Emitter<ClientEvents> {
  /** The room's Y.Doc (schema document v1; see src/schema-doc/layout.ts), for advanced use. */
  readonly doc: Y.Doc;
  readonly roomId: string;
  /** This client's presence and everyone else's. */
  readonly presence: PresenceHandle;
  /** Resolves once the offline store (if any) has loaded what it kept. */
  readonly ready: Promise<void>;

  private readonly endpoint: Endpoint;
  private readonly tokens: TokenSource;
  private readonly socket: HocuspocusProviderWebsocket;
  private readonly provider: HocuspocusProvider;
  private readonly undoManager: Y.UndoManager;
  private readonly mirror: DiagramMirror;
  /** The origin of this client's own transactions: what undo tracks and "local" means. */
  private readonly origin = { source: "liveshare-client" };
  private offlineStore: OfflineStore | undefined;
  private current: ClientStatus = { connection: "connecting", unsyncedChanges: 0, role: undefined, readOnly: false };
  private following: string | null = null;
  private followedViewport = "null";
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private retries = 0;
  private destroyed = false;
  private unwatchNetwork: (() => void) | undefined;
  /** `settled()` promises still waiting, rejected if the client is destroyed first. */
  private readonly waiting = new Set<(error: Error) => void>();

  constructor(options: LiveShareClientOptions) {
    super();
    this.roomId = options.roomId;
    this.endpoint = endpointOf(options.url);
    this.tokens = new TokenSource(options.token, options.getToken);
    this.doc = options.doc ?? new Y.Doc();

    this.mirror = new DiagramMirror(this.doc, (origin) => origin === this.origin || origin === this.undoManager, (change) => this.emit("change", change));
    this.undoManager = new Y.UndoManager([tablesOf(this.doc), relationshipsOf(this.doc)], {
      trackedOrigins: new Set([this.origin]),
      captureTimeout: UNDO_CAPTURE_MS,
    });
    const onHistory = () => this.emit("history", { canUndo: this.canUndo, canRedo: this.canRedo });
    for (const event of ["stack-item-added", "stack-item-popped", "stack-cleared"] as const) this.undoManager.on(event, onHistory);

    const WebSocketPolyfill = options.WebSocketPolyfill ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!WebSocketPolyfill) throw new TypeError("no WebSocket in this runtime: pass WebSocketPolyfill (e.g. `ws` on Node 20)");
    const minDelay = options.reconnect?.minDelayMs ?? 1000;
    this.socket = new HocuspocusProviderWebsocket({
      url: this.endpoint.collab,
      WebSocketPolyfill,
      delay: minDelay,
      minDelay,
      maxDelay: options.reconnect?.maxDelayMs ?? 30_000,
    });
    this.provider = new HocuspocusProvider({
      websocketProvider: this.socket,
      name: this.roomId,
      document: this.doc,
      token: () => this.tokens.get(),
    });
    this.presence = new PresenceHandle(this.provider.awareness!);
    this.wireEvents();
    this.watchNetwork();
    metaOf(this.doc).observe((event) => {
      if (event.keysChanged.has("name")) this.emit("name", this.name);
    });
    // Give the provider a first (empty) state, so the server counts this client as present.
    this.presence.set({});

    if (options.offline === "indexeddb") {
      this.ready = openOfflineStore(`liveshare:${this.roomId}`, this.doc).then((store) => {
        if (this.destroyed) void store.destroy();
        else this.offlineStore = store;
      });
      // Without IndexedDB (Node) the client works online only; `ready` says why to whoever awaits it.
      this.ready.catch(() => undefined);
    } else {
      this.ready = Promise.resolve();
    }
    // Connecting does not wait for the offline copy: what it kept merges whenever it arrives — with the
    // first sync when it is there first, otherwise sent like any other edit (the provider sends every
    // change it did not receive). Waiting would put opening IndexedDB before every join.
    this.provider.attach();
  }

  // ---- the diagram ----

  /**
   * The diagram as JSON (the shape of `GET /api/diagrams/:id/schema`); the same object until it
   * changes, and each of its `tables` and `relationships` arrays the same until one of its elements does.
   */
  diagram(): SchemaJson {
    return this.mirror.schema;
  }

  /** One table, or undefined. */
  table(id: string): TableJson | undefined {
    return this.mirror.table(id);
  }

  /** The diagram's name (`meta.name`), once synced. */
  get name(): string | undefined {
    const name = metaOf(this.doc).get("name");
    return typeof name === "string" ? name : undefined;
  }

  /**
   * Applies one operation, or a batch as one change (one transaction, one undo step, one update on
   * the wire). Returns the operations as applied, with generated ids filled in.
   *
   * @throws OperationError (`invalid_operation`, `not_found`, `conflict`) — for a batch, from the first
   *   operation that fails; the document is then unchanged.
   * @throws ReadOnlyError when this client is a viewer.
   */
  apply(op: GraphOperationInput): GraphOperation;
  apply(ops: readonly GraphOperationInput[]): GraphOperation[];
  apply(input: GraphOperationInput | readonly GraphOperationInput[]): GraphOperation | GraphOperation[] {
    this.assertWritable();
    if (!isBatch(input)) return applyOperation(this.doc, input, this.origin).op;
    if (input.length <= 1) return input.map((op) => applyOperation(this.doc, op, this.origin).op);
    // Rehearse on a copy: an operation can depend on the ones before it, and a Yjs transaction cannot
    // be rolled back, so the batch touches the real document only once all of it is known to apply.
    const rehearsal = new Y.Doc();
    let normalized: GraphOperation[];
    try {
      Y.applyUpdate(rehearsal, Y.encodeStateAsUpdate(this.doc));
      normalized = input.map((op) => applyOperation(rehearsal, op, null).op);
    } finally {
      rehearsal.destroy();
    }
    const applied: GraphOperation[] = [];
    this.doc.transact(() => {
      for (const op of normalized) applied.push(applyOperation(this.doc, op, this.origin).op);
    }, this.origin);
    return applied;
  }

  // ---- undo / redo (this client's own changes only) ----

  get canUndo(): boolean {
    return this.undoManager.canUndo();
  }

  get canRedo(): boolean {
    return this.undoManager.canRedo();
  }

  /** Reverts this client's last change (never a collaborator's); false when there is none. */
  undo(): boolean {
    this.assertWritable();
    return this.undoManager.undo() !== null;
  }

  redo(): boolean {
    this.assertWritable();
    return this.undoManager.redo() !== null;
  }

  /** Ends the current undo step: the next edit starts a new one (call at the end of a gesture). */
  stopCapturing(): void {
    this.undoManager.stopCapturing();
  }

  // ---- presence ----

  /**
   * Follows a user's viewport: emits `follow` with it now and whenever it changes (the first of
   * their clients that has one). `null` stops following.
   */
  follow(userId: string | null): void {
    this.following = userId;
    this.followedViewport = "null";
    if (userId !== null) this.checkFollowed(true);
  }

  // ---- connection ----

  get status(): ClientStatus {
    return this.current;
  }

  /** Resolves when the server has acknowledged (stored) every local change so far. */
  settled(): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const s = this.current;
        if (s.connection === "synced" && s.unsyncedChanges === 0) {
          resolve();
          return true;
        }
        if (s.connection === "error" || this.destroyed) {
          reject(new Error(`not connected: ${s.closed?.reason ?? "destroyed"}`));
          return true;
        }
        return false;
      };
      if (check()) return;
      const off = this.on("status", () => {
        if (!check()) return;
        off();
        this.waiting.delete(fail);
      });
      const fail = (error: Error) => {
        off();
        reject(error);
      };
      this.waiting.add(fail);
    });
  }

  /**
   * Deletes this room's copy in IndexedDB (for instance after leaving a diagram for good, or when
   * access was revoked): edits the server has not stored yet are then lost when the page goes.
   */
  async clearOfflineCopy(): Promise<void> {
    await this.ready.catch(() => undefined);
    await this.offlineStore?.clear();
    this.offlineStore = undefined;
  }

  /** Leaves the room: closes the connection and stops everything (the offline store keeps its data). */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    clearTimeout(this.retryTimer);
    for (const fail of this.waiting) fail(new Error("the client was destroyed"));
    this.waiting.clear();
    this.tokens.destroy();
    this.unwatchNetwork?.();
    this.provider.destroy();
    this.socket.destroy();
    this.undoManager.destroy();
    this.mirror.destroy();
    void this.offlineStore?.destroy();
    this.removeAllListeners();
  }

  // ---- internals ----

  private assertWritable(): void {
    if (this.destroyed) throw new Error("this client has been destroyed");
    if (this.current.readOnly) throw new ReadOnlyError();
  }

  private wireEvents(): void {
    const { socket, provider } = this;
    socket.on("status", ({ status }: { status: WebSocketStatus }) => {
      if (this.current.closed?.final) return;
      if (status === WebSocketStatus.Disconnected) this.update({ connection: "offline" });
      else if (!provider.isAuthenticated) this.update({ connection: "connecting" });
    });
    provider.on("authenticated", ({ scope }: { scope: string }) => {
      this.retries = 0;
      const readOnly = scope === "readonly";
      // An owner is never downgraded, so a change of scope is an editor becoming a viewer or back.
      const role: Role | undefined = readOnly ? "viewer" : this.current.role === "viewer" ? "editor" : this.current.role;
      this.update({ connection: provider.isSynced ? "synced" : "syncing", readOnly, role, closed: undefined });
      if (role === undefined) void this.fetchRole();
    });
    provider.on("synced", () => {
      if (provider.isAuthenticated) this.update({ connection: "synced" });
    });
    provider.on("unsyncedChanges", ({ number }: { number: number }) => this.update({ unsyncedChanges: number }));
    provider.on("authenticationFailed", ({ reason }: { reason: string }) => this.closed(closedInfo(undefined, reason, this.tokens.refreshable), true));
    provider.on("close", ({ event }: { event: { code?: number; reason?: string } }) => this.closed(closedInfo(event.code, event.reason ?? "", this.tokens.refreshable), false));
    const ownId = provider.awareness!.clientID;
    provider.awareness!.on("change", ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }) => {
      if (added.length + removed.length === 0 && updated.every((id) => id === ownId)) return;
      this.emit("presence", this.presence.others());
      this.checkFollowed(false);
    });
  }

  /**
   * In a browser, the page's `offline` / `online` events: a lost network (or the offline switch of
   * developer tools and test drivers) can leave a socket half-open for a long time, so say offline
   * at once and keep edits local, then reconnect as soon as the network is back.
   */
  private watchNetwork(): void {
    const page = globalThis as { addEventListener?: (type: string, listener: () => void) => void; removeEventListener?: (type: string, listener: () => void) => void };
    if (typeof page.addEventListener !== "function" || typeof page.removeEventListener !== "function") return;
    const offline = () => {
      if (this.destroyed || this.current.closed?.final) return;
      this.socket.disconnect();
      this.update({ connection: "offline" });
    };
    const online = () => {
      if (this.destroyed || this.current.closed?.final) return;
      void this.socket.connect();
    };
    page.addEventListener("offline", offline);
    page.addEventListener("online", online);
    this.unwatchNetwork = () => {
      page.removeEventListener?.("offline", offline);
      page.removeEventListener?.("online", online);
    };
  }

  /** A close or a refused join. A final one stops reconnecting; a refused join is retried with back-off. */
  private closed(info: ClosedInfo, refused: boolean): void {
    if (this.destroyed || this.current.closed?.final) return;
    // A plain socket close after a refusal or a room's close message (or the client's own retry)
    // says nothing new: the reason already reported stands.
    if (this.current.closed && (info.reason === "connection-lost" || info.reason === "normal")) return;
    if (info.final) {
      this.update({ connection: "error", closed: info });
      this.socket.disconnect();
      return;
    }
    this.update({ connection: "offline", closed: info });
    if (refused) {
      // The provider does not retry a refused join on its own: reconnect the socket after a pause.
      const delay = Math.min(30_000, 1000 * 2 ** this.retries++);
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.socket.webSocket && (this.socket.webSocket as { close(): void }).close(), delay);
    }
  }

  private update(changes: Partial<ClientStatus>): void {
    const next: ClientStatus = { ...this.current, ...changes };
    if (next.closed === undefined) delete next.closed;
    const before = this.current;
    if (
      before.connection === next.connection &&
      before.unsyncedChanges === next.unsyncedChanges &&
      before.role === next.role &&
      before.readOnly === next.readOnly &&
      before.closed === next.closed
    ) {
      return;
    }
    this.current = next;
    this.emit("status", next);
  }

  /** The user's role from the REST API (the Yjs protocol only tells read-only or not). */
  private async fetchRole(): Promise<void> {
    try {
      const token = await this.tokens.latest();
      const response = await fetch(`${this.endpoint.http}/api/liveshare/sessions/${encodeURIComponent(this.roomId)}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const body = (await response.json()) as { role?: unknown };
      if (this.destroyed || !response.ok) return;
      const role = body.role;
      if (role !== "owner" && role !== "editor" && role !== "viewer") return;
      // The live scope wins over an answer that raced a share change.
      if (this.current.readOnly !== (role === "viewer")) return;
      this.update({ role });
    } catch {
      // No answer (offline again, or a cross-origin page without CORS): the role stays unknown rather
      // than guessed; `readOnly` still tells what the user may do.
    }
  }

  private checkFollowed(always: boolean): void {
    if (this.following === null) return;
    // The first of the user's clients that shows a viewport (a user may have several tabs).
    const peer = this.presence.others().find((p) => p.user.id === this.following && p.viewport !== null);
    const viewport = peer?.viewport ?? null;
    const text = JSON.stringify(viewport);
    if (!always && text === this.followedViewport) return;
    this.followedViewport = text;
    this.emit("follow", viewport);
  }
}

function isBatch(input: GraphOperationInput | readonly GraphOperationInput[]): input is readonly GraphOperationInput[] {
  return Array.isArray(input);
}
