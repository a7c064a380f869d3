/**
 * Version deltas (docs/SPEC.md JSON-13 to JSON-16): per JSON client, the version of each element it was last
 * sent; after changes, each client gets only the elements whose version is newer, plus deletions.
 * Transport-free — clients are `{ userId, send }` — so tests drive it with a bare Y.Doc.
 */
import type * as Y from "yjs";
import type { ElementChange, ElementVersions, SchemaJson } from "../schema-doc/index.ts";
import { ElementCache, type CachedElement } from "./element-cache.ts";
import type { ServerMessageOf } from "./messages.ts";

/** The coalescing window (docs/SPEC.md JSON-14): changes within it go out together. */
export const COALESCE_MS = 150;

/** One JSON client, as far as schema state is concerned. */
export interface DeltaClient {
  /** Whom the state is for (`target_user_id`). */
  readonly userId: string;
  send(message: ServerMessageOf<"GraphState">): void;
}

/** Hooks for metrics; sizes are UTF-8 bytes of the elements' JSON plus one separator each. */
export interface BroadcastObserver {
  fullSent?(bytes: number): void;
  /** An incremental state of `bytes`, where a full one would have cost `fullBytes`. */
  incrementalSent?(bytes: number, fullBytes: number): void;
  /** One coalesced broadcast to the room's clients took `seconds`. */
  flushed?(seconds: number): void;
}

export interface VersionDeltaOptions {
  doc: Y.Doc;
  versions: ElementVersions;
  /** Full GraphState to each client this often (while the diagram changes). */
  fullSyncIntervalMs: number;
  coalesceMs?: number;
  observer?: BroadcastObserver;
}

/** What an authored edit did, for the author's `OpApplied`. */
export interface AuthoredChange<T> {
  result: T;
  /** The room version the edit produced (the current one when it changed nothing). */
  version: number;
  /** The changed elements as the edit left them. */
  state: SchemaJson;
  deleted: string[];
}

interface ClientState {
  readonly client: DeltaClient;
  /** Element id → version last sent to this client. */
  readonly sent: Map<string, number>;
  /** Elements changed since this client's last delta. */
  readonly dirty: Set<string>;
  /** Unacknowledged edits of this client: its deltas wait so they never overtake its `OpApplied`. */
  holds: number;
  fullDue: boolean;
  versionAtFull: number;
  fullTimer: NodeJS.Timeout | undefined;
}

/**
 * @example
 * const broadcaster = new VersionDeltaBroadcaster({ doc, versions, fullSyncIntervalMs: 20_000 });
 * broadcaster.addClient({ userId, send: (m) => socket.send(m) }); // sends the full state
 * // … any change to doc reaches the client as a delta within 150 ms
 */
export class VersionDeltaBroadcaster {
  private readonly cache: ElementCache;
  private readonly clients = new Map<DeltaClient, ClientState>();
  private readonly coalesceMs: number;
  private readonly unsubscribe: () => void;
  private timer: NodeJS.Timeout | undefined;
  private authoring: { origin: object; state: ClientState; change?: ElementChange } | undefined;

  constructor(private readonly options: VersionDeltaOptions) {
    this.cache = new ElementCache(options.doc, options.versions);
    this.coalesceMs = options.coalesceMs ?? COALESCE_MS;
    this.unsubscribe = options.versions.on("change", (change) => this.onChange(change));
  }

  /**
   * Adds a client, or resets one already here (docs/SPEC.md JSON-19): it
   * forgets what the client was sent and sends it the full state.
   */
  addClient(client: DeltaClient): void {
    const old = this.clients.get(client);
    if (old) clearTimeout(old.fullTimer);
    const state: ClientState = { client, sent: new Map(), dirty: new Set(), holds: old?.holds ?? 0, fullDue: false, versionAtFull: 0, fullTimer: undefined };
    this.clients.set(client, state);
    this.sendFull(state);
  }

  removeClient(client: DeltaClient): void {
    const state = this.clients.get(client);
    if (!state) return;
    clearTimeout(state.fullTimer);
    this.clients.delete(client);
  }

  /** Sends the client the full state now (`RequestFullSync`); after its pending acknowledgements if any. */
  requestFull(client: DeltaClient): void {
    const state = this.clients.get(client);
    if (!state) return;
    if (state.holds > 0) state.fullDue = true;
    else this.sendFull(state);
  }

  /**
   * Runs `apply` — an edit made for `client` with transaction origin `origin` — and records that the
   * client has what it changed, so the change is not echoed back to it in a delta. The client's
   * deltas are held until `release(client)`, called once its acknowledgement is sent, so they never
   * arrive before it. Throws what `apply` throws (then nothing is held).
   */
  authored<T>(client: DeltaClient, origin: object, apply: () => T): AuthoredChange<T> {
    const state = this.clients.get(client);
    if (!state) throw new Error("authored() for a client that is not in the room");
    const authoring: { origin: object; state: ClientState; change?: ElementChange } = { origin, state };
    this.authoring = authoring;
    let result: T;
    try {
      result = apply();
    } finally {
      this.authoring = undefined;
    }
    state.holds += 1;
    const change = authoring.change;
    const out: SchemaJson = { tables: [], relationships: [] };
    for (const id of change?.changed ?? []) {
      const element = this.cache.get(id);
      if (element) push(out, element);
    }
    return { result, version: change?.version ?? this.options.versions.current, state: out, deleted: change?.deleted ?? [] };
  }

  /** The client's acknowledgement for one authored edit is out: its held deltas may follow. */
  release(client: DeltaClient): void {
    const state = this.clients.get(client);
    if (!state || state.holds === 0) return;
    state.holds -= 1;
    if (state.holds === 0) this.flushClient(state);
  }

  /** Sends every client its pending delta now (the coalescing timer does this on its own). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const started = performance.now();
    for (const state of this.clients.values()) this.flushClient(state);
    this.options.observer?.flushed?.((performance.now() - started) / 1000);
  }

  destroy(): void {
    this.unsubscribe();
    clearTimeout(this.timer);
    for (const state of this.clients.values()) clearTimeout(state.fullTimer);
    this.clients.clear();
  }

  private onChange(change: ElementChange): void {
    this.cache.invalidate(change.changed, change.deleted);
    const authoring = this.authoring;
    const author = authoring && change.origin === authoring.origin ? authoring.state : undefined;
    if (author && authoring) {
      authoring.change = change;
      for (const id of change.changed) author.sent.set(id, change.version);
      for (const id of change.deleted) author.sent.delete(id);
    }
    for (const state of this.clients.values()) {
      if (state === author) continue;
      for (const id of change.changed) state.dirty.add(id);
      for (const id of change.deleted) state.dirty.add(id);
    }
    // A fixed window from the first change: bursts coalesce, latency stays bounded, nothing is dropped.
    this.timer ??= setTimeout(() => this.flush(), this.coalesceMs);
  }

  private flushClient(state: ClientState): void {
    if (state.holds > 0) return;
    if (state.fullDue) {
      this.sendFull(state);
      return;
    }
    if (state.dirty.size === 0) return;
    const out: SchemaJson = { tables: [], relationships: [] };
    const deleted: string[] = [];
    let bytes = 0;
    for (const id of state.dirty) {
      const element = this.cache.get(id);
      if (element) {
        if (element.version <= (state.sent.get(id) ?? 0)) continue;
        push(out, element);
        bytes += element.bytes + 1;
        state.sent.set(id, element.version);
      } else if (state.sent.delete(id)) {
        deleted.push(id);
        bytes += Buffer.byteLength(id) + 3;
      }
    }
    state.dirty.clear();
    if (out.tables.length === 0 && out.relationships.length === 0 && deleted.length === 0) return;
    const message = this.graphState(state, out, false, deleted);
    this.options.observer?.incrementalSent?.(bytes + ENVELOPE_BYTES, this.cache.bytes + this.cache.size + ENVELOPE_BYTES);
    state.client.send(message);
  }

  private sendFull(state: ClientState): void {
    const { state: schema, elements } = this.cache.all();
    state.sent.clear();
    for (const element of elements) state.sent.set(element.json.id, element.version);
    state.dirty.clear();
    state.fullDue = false;
    state.versionAtFull = this.options.versions.current;
    this.armFullSync(state);
    this.options.observer?.fullSent?.(this.cache.bytes + this.cache.size + ENVELOPE_BYTES);
    state.client.send(this.graphState(state, schema, true, []));
  }

  private armFullSync(state: ClientState): void {
    clearTimeout(state.fullTimer);
    state.fullTimer = setTimeout(() => {
      state.fullTimer = undefined;
      if (!this.clients.has(state.client)) return;
      // Nothing changed since the last full state: every delta already arrived, so skip this round.
      if (this.options.versions.current === state.versionAtFull) return this.armFullSync(state);
      this.requestFull(state.client);
    }, this.options.fullSyncIntervalMs);
    state.fullTimer.unref();
  }

  private graphState(state: ClientState, schema: SchemaJson, full: boolean, deleted: string[]): ServerMessageOf<"GraphState"> {
    return { type: "GraphState", state: schema, target_user_id: state.client.userId, full, deleted, version: this.options.versions.current };
  }
}

/** Bytes of a GraphState message around its elements (type, target id, flags): a fixed estimate. */
const ENVELOPE_BYTES = 140;

function push(out: SchemaJson, element: CachedElement): void {
  if (element.kind === "table") out.tables.push(element.json as SchemaJson["tables"][number]);
  else out.relationships.push(element.json as SchemaJson["relationships"][number]);
}
