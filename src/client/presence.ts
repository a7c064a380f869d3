/**
 * Presence on the client side: this client's own state (cursor, viewport, selection, status and the
 * application's own fields) and the states of everyone else in the room, as the server publishes
 * them (presence state v1 plus the sender's own fields, relayed as they are up to 2 KiB).
 */
import type { Awareness } from "y-protocols/awareness";
import type { Point, PresenceStatus, PresenceUser, Viewport } from "../awareness/state.ts";

export type { Point, PresenceStatus, PresenceUser, Viewport };

/** The v1 fields of a state; every other top-level field is the application's own. */
const V1_FIELDS = new Set(["user", "cursor", "viewport", "selection", "status", "activity"]);

/**
 * A partial update of this client's presence. `cursor`/`viewport` `null` means "not on the canvas";
 * any other field is the application's own (current tool, hovered element …): JSON values, at most
 * 2 KiB serialised for all of them together, or the server drops them (the v1 fields still go).
 * Setting a field to `undefined` removes it.
 */
export interface PresenceUpdate {
  cursor?: Point | null;
  viewport?: Viewport | null;
  selection?: string[];
  status?: PresenceStatus;
  /** Changed whenever the user does something the server cannot see (typing): counts as activity. */
  activity?: number;
  [field: string]: unknown;
}

/** Another client in the room. */
export interface Peer {
  /** The awareness client id (one per tab / client). */
  clientId: number;
  /** Who it is, as the server says (from the token; the colour is the server's). */
  user: PresenceUser;
  status: PresenceStatus;
  cursor: Point | null;
  viewport: Viewport | null;
  selection: string[];
  /** The sender's own fields (everything outside presence v1). */
  fields: Record<string, unknown>;
}

export class PresenceHandle {
  constructor(private readonly awareness: Awareness) {}

  /** Merges `update` into this client's state and sends it. */
  set(update: PresenceUpdate): void {
    const next: Record<string, unknown> = { ...(this.awareness.getLocalState() ?? {}) };
    // `user` is the server's (it comes back in a state the server republished): not ours to send.
    delete next.user;
    for (const [key, value] of Object.entries(update)) {
      if (key === "user") continue;
      if (key === "__proto__") continue;
      if (value === undefined) delete next[key];
      else next[key] = value;
    }
    this.awareness.setLocalState(next);
  }

  /** This client's state as last set (or as the server changed it: `status`). */
  get local(): Readonly<Record<string, unknown>> {
    return this.awareness.getLocalState() ?? {};
  }

  /** Everyone else in the room with a state the server published (it carries `user`). */
  others(): Peer[] {
    const peers: Peer[] = [];
    for (const [clientId, state] of this.awareness.getStates()) {
      if (clientId === this.awareness.clientID) continue;
      const peer = peerOf(clientId, state);
      if (peer) peers.push(peer);
    }
    return peers;
  }
}

/** A published state as a Peer, or undefined when it does not carry a user (not from the server). */
export function peerOf(clientId: number, state: Record<string, unknown>): Peer | undefined {
  const user = state.user as Partial<PresenceUser> | undefined;
  if (typeof user?.id !== "string" || typeof user.name !== "string") return undefined;
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(state)) if (!V1_FIELDS.has(key) && key !== "__proto__") fields[key] = value;
  const status = state.status === "idle" || state.status === "away" ? state.status : "active";
  return {
    clientId,
    user: { id: user.id, name: user.name, color: typeof user.color === "string" ? user.color : "#888888" },
    status,
    cursor: isPoint(state.cursor) ? state.cursor : null,
    viewport: isViewport(state.viewport) ? state.viewport : null,
    selection: Array.isArray(state.selection) ? state.selection.filter((s): s is string => typeof s === "string") : [],
    fields,
  };
}

function isPoint(value: unknown): value is Point {
  const p = value as Partial<Point> | null | undefined;
  return typeof p?.x === "number" && typeof p.y === "number";
}

function isViewport(value: unknown): value is Viewport {
  const v = value as Partial<Viewport> | null | undefined;
  return isPoint(v?.center) && typeof v.zoom === "number";
}
