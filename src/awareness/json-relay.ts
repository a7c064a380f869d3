/**
 * Presence from the room's awareness — Yjs clients, JSON clients, other instances — as JSON protocol
 * messages: `UserJoined` / `UserLeft` when a user's first client appears or last one goes, and per
 * changed client `CursorMove`, `UserViewport`, `IdleStatus`, or `Awareness` for anything else.
 *
 * The presence module already throttles and batches what it applies to the awareness (~100 ms,
 * docs/SPEC.md PRES-9), so by default the relay only coalesces what one event-loop
 * turn changed; each client's latest state in a window wins either way.
 */
import type { Document } from "@hocuspocus/server";
import type { Identity } from "../auth/tokens.ts";
import { isConnectionContext } from "../collab/connection-context.ts";
import type { PresentUser } from "../rooms/live-rooms.ts";
import type { RemoteUser, ServerMessage, ServerMessageOf } from "../json-protocol/messages.ts";
import { colorFor } from "./color.ts";
import type { PresenceStatus } from "./state.ts";

/** Relay window in ms; 0 coalesces one event-loop turn (the presence flush that caused it). */
export const PRESENCE_BATCH_MS = 0;

/** A message and the awareness client it is about (so a JSON client is not told about itself). */
export interface PresenceDelivery {
  clientId: number;
  message: ServerMessage;
}

export interface PresenceRelayOptions {
  deliver(batch: PresenceDelivery[]): void;
  batchMs?: number;
}

type State = Record<string, unknown>;
type Owner = Pick<Identity, "userId" | "name">;

export class PresenceRelay {
  /** The state of each client as last relayed. */
  private readonly last = new Map<number, State>();
  private readonly owners = new Map<number, Owner>();
  private readonly clientsOfUser = new Map<string, Set<number>>();
  /** This room's JSON clients on this instance: their identity is known without asking the state. */
  private readonly local = new Map<number, Identity>();
  private readonly pending = new Set<number>();
  private cancel: (() => void) | undefined;
  private readonly onChange = ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }): void => {
    for (const id of added) this.pending.add(id);
    for (const id of updated) this.pending.add(id);
    for (const id of removed) this.pending.add(id);
    this.cancel ??= this.schedule();
  };

  constructor(
    private readonly document: Document,
    private readonly options: PresenceRelayOptions,
  ) {
    // Whoever is already here is known, not announced: `RoomInfo` tells a joining client about them.
    for (const [id, state] of document.awareness.getStates()) {
      const owner = this.ownerOf(id, state);
      if (owner) this.own(id, owner);
      this.last.set(id, state);
    }
    document.awareness.on("change", this.onChange);
  }

  /** A new awareness client id for a JSON client: random, like Yjs's, and unused in this room. */
  allocate(user: Identity): number {
    let id: number;
    do id = crypto.getRandomValues(new Uint32Array(1))[0]!;
    while (id === 0 || this.document.awareness.meta.has(id) || this.local.has(id));
    this.local.set(id, user);
    return id;
  }

  release(clientId: number): void {
    this.local.delete(clientId);
  }

  /** Everyone in the room now: users with a presence state, and connected users without one yet. */
  users(present: readonly PresentUser[]): RemoteUser[] {
    const users = new Map<string, RemoteUser>();
    for (const [id, state] of this.document.awareness.getStates()) {
      const owner = this.owners.get(id) ?? this.ownerOf(id, state);
      if (owner && !users.has(owner.userId)) users.set(owner.userId, remoteUser(owner, state));
    }
    for (const user of present) {
      if (!users.has(user.user_id)) users.set(user.user_id, remoteUser({ userId: user.user_id, name: user.name }, {}));
    }
    return [...users.values()];
  }

  /** Relays the pending changes now (the batch timer does this on its own). */
  flush(): void {
    this.cancel?.();
    this.cancel = undefined;
    const batch: PresenceDelivery[] = [];
    const states = this.document.awareness.getStates();
    for (const id of this.pending) {
      const state = states.get(id);
      const before = this.last.get(id);
      if (state === undefined) {
        this.last.delete(id);
        const owner = this.owners.get(id);
        if (owner && this.disown(id, owner)) batch.push({ clientId: id, message: { type: "UserLeft", user_id: owner.userId } });
        continue;
      }
      this.last.set(id, state);
      let owner = this.owners.get(id);
      if (!owner) {
        owner = this.ownerOf(id, state);
        // A state nobody can be named for (no connection here, no stamped user) is not shown.
        if (!owner) continue;
        if (this.own(id, owner)) {
          batch.push({ clientId: id, message: { type: "UserJoined", user: remoteUser(owner, state) } });
          continue;
        }
      }
      for (const message of changes(owner.userId, before ?? {}, state)) batch.push({ clientId: id, message });
    }
    this.pending.clear();
    if (batch.length > 0) this.options.deliver(batch);
  }

  destroy(): void {
    this.cancel?.();
    this.cancel = undefined;
    this.document.awareness.off("change", this.onChange);
  }

  private schedule(): () => void {
    const ms = this.options.batchMs ?? PRESENCE_BATCH_MS;
    if (ms === 0) {
      const handle = setImmediate(() => this.flush());
      return () => clearImmediate(handle);
    }
    const handle = setTimeout(() => this.flush(), ms);
    return () => clearTimeout(handle);
  }

  /** Who a client id belongs to: a JSON client here, a Yjs connection here, or the state's stamped user. */
  private ownerOf(id: number, state: State): Owner | undefined {
    const local = this.local.get(id);
    if (local) return local;
    for (const connection of this.document.getConnections()) {
      if (this.document.getClients(connection).has(id) && isConnectionContext(connection.context)) return connection.context.user;
    }
    const user = state.user as { id?: unknown; name?: unknown } | undefined;
    if (typeof user?.id === "string" && user.id.length > 0) return { userId: user.id, name: typeof user.name === "string" ? user.name : "" };
    return undefined;
  }

  /** Records the client as the user's; true when it is the user's first (the user joined). */
  private own(id: number, owner: Owner): boolean {
    this.owners.set(id, owner);
    let clients = this.clientsOfUser.get(owner.userId);
    if (!clients) this.clientsOfUser.set(owner.userId, (clients = new Set()));
    clients.add(id);
    return clients.size === 1;
  }

  /** Forgets the client; true when it was the user's last (the user left). */
  private disown(id: number, owner: Owner): boolean {
    this.owners.delete(id);
    const clients = this.clientsOfUser.get(owner.userId);
    clients?.delete(id);
    if (clients && clients.size > 0) return false;
    this.clientsOfUser.delete(owner.userId);
    return true;
  }
}

/** The messages describing what changed between two states of one client. */
function changes(userId: string, before: State, after: State): ServerMessage[] {
  const messages: ServerMessage[] = [];
  const cursor = pointOf(after.cursor);
  const viewport = viewportOf(after.viewport);
  let other = !sameJson(rest(before), rest(after));
  if (!sameJson(before.cursor, after.cursor)) {
    if (cursor) messages.push({ type: "CursorMove", user_id: userId, position: [cursor.x, cursor.y] });
    else other = true;
  }
  if (!sameJson(before.viewport, after.viewport)) {
    if (viewport) messages.push({ type: "UserViewport", user_id: userId, center: [viewport.center.x, viewport.center.y], zoom: viewport.zoom });
    else other = true;
  }
  if (before.status !== after.status) {
    const status = statusOf(after.status);
    messages.push({ type: "IdleStatus", user_id: userId, is_active: status === "active", status } satisfies ServerMessageOf<"IdleStatus">);
  }
  if (other) messages.push({ type: "Awareness", user_id: userId, state: after });
  return messages;
}

function remoteUser(owner: Owner, state: State): RemoteUser {
  const cursor = pointOf(state.cursor);
  const viewport = viewportOf(state.viewport);
  const color = (state.user as { color?: unknown } | undefined)?.color;
  const status = statusOf(state.status);
  return {
    user_id: owner.userId,
    username: owner.name,
    color: typeof color === "string" ? color : colorFor(owner.userId),
    cursor_position: cursor ? [cursor.x, cursor.y] : null,
    viewport: viewport ? { center: [viewport.center.x, viewport.center.y], zoom: viewport.zoom } : null,
    selection: Array.isArray(state.selection) ? state.selection.filter((s): s is string => typeof s === "string") : [],
    is_active: status === "active",
    status,
  };
}

function rest(state: State): State {
  const { user: _u, cursor: _c, viewport: _v, status: _s, ...others } = state;
  return others;
}

function sameJson(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

function pointOf(value: unknown): { x: number; y: number } | undefined {
  const p = value as { x?: unknown; y?: unknown } | null | undefined;
  return typeof p?.x === "number" && typeof p.y === "number" && Number.isFinite(p.x) && Number.isFinite(p.y) ? { x: p.x, y: p.y } : undefined;
}

function viewportOf(value: unknown): { center: { x: number; y: number }; zoom: number } | undefined {
  const v = value as { center?: unknown; zoom?: unknown } | null | undefined;
  const center = pointOf(v?.center);
  return center && typeof v?.zoom === "number" && Number.isFinite(v.zoom) ? { center, zoom: v.zoom } : undefined;
}

function statusOf(value: unknown): PresenceStatus {
  return value === "idle" || value === "away" ? value : "active";
}
