import type { Document } from "@hocuspocus/server";
import { removeAwarenessStates } from "y-protocols/awareness";
import { setAwarenessStates } from "./apply.ts";
import { PRIORITY_OF_KIND, classify, showsActivity, type PresenceKind } from "../limits/priorities.ts";
import { PRESENCE_ORIGIN } from "../origins.ts";
import { ClientSlot, SenderPresence, type PresenceSender } from "./sender.ts";
import { movedTo, parseClientPresence, samePoint, sameViewport, withCursor, type ClientPresence, type PresenceState } from "./state.ts";
import { cursorContextOf, cursorTextIn } from "./state-text.ts";
import { cursorBytesIn } from "./state-bytes.ts";
import type { AwarenessEntry, LoneAwarenessEntry } from "../collab/wire.ts";
import type { ActivityThresholds } from "./activity.ts";

/** Timings shared by every room. */
export interface PresenceTimings extends ActivityThresholds {
  /** Fan-out batching window (PRESENCE_BATCH_MS); 0 turns batching off. */
  batchMs: number;
  /** Minimum gap between two cursor / viewport publications of one client (30 Hz, 10 Hz). */
  cursorIntervalMs: number;
  viewportIntervalMs: number;
}

/** Why a client's presence message was not used. */
export type DropReason = "invalid" | "foreign" | "stale" | "rate_limited";

/** What a room reports to the presence layer (metrics, logs, the rate-limit record). */
export interface RoomEvents {
  received(kind: PresenceKind, bytes: number): void;
  dropped(kind: PresenceKind | "unknown", reason: DropReason): void;
  overLimit(room: RoomPresence, sender: SenderPresence, kind: PresenceKind): void;
}

/**
 * Longest state text kept for the cursor shortcut: a provider's cursor move is ~100–200 bytes, and
 * the text kept holds everything a client sent, unknown keys included (validation drops those).
 */
const MAX_SHORTCUT_TEXT = 4096;

/** Client ids one sender may hold (a provider holds one; a few allow a page with several docs). */
const MAX_CLIENTS_PER_SENDER = 8;
/** Republish a state at least this often: awareness drops states not renewed within 30 s. */
export const REFRESH_MS = 15_000;
/** How long removals are remembered, to resync a client whose socket was congested. */
const REMOVALS_KEPT_MS = 60_000;

/** An awareness entry's JSON text as `decode` read it: the whole state, or only its new cursor. */
export interface DecodedState {
  json: string;
  /** The parsed state (an object or null), unless only the cursor changed. */
  value: unknown;
  /** The new cursor value (parsed JSON) when only the cursor changed. */
  cursor: unknown;
  cursorOnly: boolean;
}

/** A state on its way to the document's awareness. */
interface OutgoingState {
  clientId: number;
  clock: number;
  state: PresenceState;
  origin: unknown;
}


/**
 * Presence of one room (a Hocuspocus document): which sender owns which awareness client id, the
 * latest state of each, and the flush that applies them to `document.awareness`.
 *
 * A client's state is validated and rate-limited when it arrives, then waits as the slot's latest
 * state (the newest wins) until the room flushes: at most every `batchMs` (about 100 ms), and for a
 * client no sooner than its cursor (30 Hz) / viewport (10 Hz) throttle allows. A flush applies every
 * due state in one event-loop turn, which Hocuspocus (flushDelay 0) sends to each client as one
 * message — so a client receives about 10 presence messages a second whatever the room size. A
 * pending state is always flushed eventually, so the last position of a movement is never lost.
 */
export class RoomPresence {
  readonly senders = new Map<object, SenderPresence>();
  private readonly owners = new Map<number, ClientSlot>();
  /** Slots with a pending or deferred state. */
  private readonly due = new Set<ClientSlot>();
  /** States published in the current flush, applied together by `applyOutbox`. */
  private outbox: OutgoingState[] = [];
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private lastFlushAt = Number.NEGATIVE_INFINITY;
  private readonly removals: Array<{ clientId: number; at: number }> = [];
  private readonly onAwarenessUpdate = ({ removed }: { removed: number[] }) => {
    if (removed.length === 0) return;
    const at = this.now();
    for (const clientId of removed) this.removals.push({ clientId, at });
    while (this.removals.length > 0 && this.removals[0]!.at < at - REMOVALS_KEPT_MS) this.removals.shift();
  };

  constructor(
    readonly document: Document,
    private readonly timings: PresenceTimings,
    private readonly events: RoomEvents,
    private readonly now: () => number,
  ) {
    document.awareness.on("update", this.onAwarenessUpdate);
  }

  get roomId(): string {
    return this.document.name;
  }

  /** The sender's presence here, created on first sight (joining counts as activity). */
  senderFor(sender: PresenceSender): SenderPresence {
    let entry = this.senders.get(sender.key);
    if (!entry) {
      entry = new SenderPresence(sender, this.now(), this.timings);
      this.senders.set(sender.key, entry);
    }
    return entry;
  }

  /**
   * Reads one awareness entry's JSON text, without side effects: a text that only moves the client's
   * cursor (against its slot's last text) yields just the new cursor value; anything else is parsed
   * whole. Undefined when the text is not JSON, or not an object or null (a malformed update).
   */
  decode(sender: SenderPresence, entry: AwarenessEntry): DecodedState | undefined {
    const base = sender.slots.get(entry.clientId)?.text;
    if (base) {
      const cursorText = cursorTextIn(base.context, entry.json);
      if (cursorText !== undefined) {
        try {
          return { json: entry.json, value: undefined, cursor: JSON.parse(cursorText), cursorOnly: true };
        } catch {
          // Not one JSON value on its own: parse the whole text.
        }
      }
    }
    let value: unknown;
    try {
      value = JSON.parse(entry.json);
    } catch {
      return undefined;
    }
    if (value !== null && (typeof value !== "object" || Array.isArray(value))) return undefined;
    return { json: entry.json, value, cursor: undefined, cursorOnly: false };
  }

  /**
   * One client state from a sender: `null` removes it now; anything else is validated, classified,
   * rate-limited and queued for the next flush. `clock` is the client's awareness clock, when known.
   * A `DecodedState` (from `decode`, for the same sender and client) stands in for `value`.
   */
  receiveState(sender: SenderPresence, clientId: number, value: unknown, clock: number | undefined, bytes: number, now: number, decoded?: DecodedState): void {
    if (decoded) value = decoded.value;
    const slot = this.slotFor(sender, clientId, value === null);
    if (!slot) {
      if (value !== null) this.events.dropped("unknown", "foreign");
      return;
    }
    if (value === null) {
      this.removeSlot(slot);
      return;
    }
    if (!this.clockAdvances(slot, clock)) return;
    const base = slot.text;
    const cursorOnly = decoded?.cursorOnly === true && base !== undefined;
    const state = cursorOnly ? withCursor(base.state, decoded.cursor) : parseClientPresence(value);
    if (!state) {
      this.events.dropped("unknown", "invalid");
      return;
    }
    if (cursorOnly) {
      // A cursor move keeps the text around the cursor.
      base.state = state;
    } else if (decoded) {
      // A whole new text is looked at afresh.
      const context = decoded.json.length <= MAX_SHORTCUT_TEXT ? cursorContextOf(decoded.json) : undefined;
      slot.text = context && { state, context };
    }
    this.take(sender, slot, state, bytes, now);
  }

  /**
   * The commonest message, a provider's cursor move, read from the frame's bytes (`entry`, a frame's
   * lone awareness entry, read by `LoneEntryReader`): when the entry's text is its slot's last text with
   * only the cursor value changed, to a cursor `cursorBytesIn` reads, it is received here — exactly as
   * `decode` and `receiveState` would receive it — and true is returned. False, with nothing changed,
   * for anything else: the frame then takes that path.
   */
  receiveCursorMove(sender: SenderPresence, entry: LoneAwarenessEntry, frame: Uint8Array, bytes: number, now: number): boolean {
    // Only the sender's own slot: taking over another connection's is `slotFor`'s business.
    const slot = sender.slots.get(entry.clientId);
    const base = slot?.text;
    if (!slot || !base) return false;
    const cursor = cursorBytesIn(base.context, frame, entry.jsonStart, entry.jsonEnd);
    if (cursor === undefined) return false;
    if (!this.clockAdvances(slot, entry.clock)) return true;
    const state = movedTo(base.state, cursor);
    base.state = state;
    this.take(sender, slot, state, bytes, now);
    return true;
  }

  /** Awareness clocks only grow: false (and counted) for an older or repeated clock, a stale duplicate. */
  private clockAdvances(slot: ClientSlot, clock: number | undefined): boolean {
    if (clock === undefined) return true;
    if (clock <= slot.clientClock) {
      this.events.dropped("unknown", "stale");
      return false;
    }
    slot.clientClock = clock;
    return true;
  }

  /** A valid state: classified, counted, and rate-limited on its way to the next flush. */
  private take(sender: SenderPresence, slot: ClientSlot, state: ClientPresence, bytes: number, now: number): void {
    const kind = classify(slot.received, state);
    this.events.received(kind, bytes);
    const priority = PRIORITY_OF_KIND[kind];
    if (!sender.buckets[priority].take(now)) {
      this.events.dropped(kind, "rate_limited");
      this.events.overLimit(this, sender, kind);
      // Dropped — but the newest one is kept aside and used once the bucket refills, unless a newer
      // state gets through first: a burst over the limit still ends where the user stopped.
      slot.deferred = state;
      slot.deferredPriority = priority;
      this.due.add(slot);
      this.schedule(now + sender.buckets[priority].msUntilToken(now));
      return;
    }
    slot.deferred = undefined;
    this.accept(slot, state, now);
  }

  /** A document edit from the sender: activity. */
  touch(sender: SenderPresence, now: number): void {
    sender.activity.touch(now);
    if (sender.activity.update(now)) this.republish(sender, now);
  }

  /** Re-derives every sender's status and renews old states; called by the presence sweep. */
  sweep(now: number): void {
    for (const sender of this.senders.values()) {
      if (sender.activity.update(now)) {
        this.republish(sender, now);
        continue;
      }
      for (const slot of sender.slots.values()) {
        if (slot.published && !slot.pending && now - slot.publishedAt >= REFRESH_MS) this.markPending(slot, now);
      }
    }
  }

  /** Removes the sender's states from the room now and forgets it. */
  leave(sender: SenderPresence): void {
    for (const slot of [...sender.slots.values()]) this.removeSlot(slot);
    this.senders.delete(sender.sender.key);
  }

  get empty(): boolean {
    return this.senders.size === 0;
  }

  /** Stops the flush timer (the room is gone or the server is stopping). */
  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    this.due.clear();
    this.document.awareness.off("update", this.onAwarenessUpdate);
  }

  /** Client ids removed from the room since `since` (ms, this room's clock). */
  removedSince(since: number): number[] {
    return this.removals.filter((r) => r.at >= since).map((r) => r.clientId);
  }

  /** Applies every due state now; the room's flush timer calls this. */
  flush(now = this.now()): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    this.lastFlushAt = now;
    let next = Number.POSITIVE_INFINITY;
    for (const slot of this.due) {
      if (slot.deferred) {
        const bucket = slot.sender.buckets[slot.deferredPriority];
        if (bucket.take(now)) {
          const state = slot.deferred;
          slot.deferred = undefined;
          this.accept(slot, state, now);
        } else if (!slot.pending) {
          next = Math.min(next, now + bucket.msUntilToken(now));
          continue;
        }
      }
      if (!slot.pending) {
        this.due.delete(slot);
        continue;
      }
      // Not due yet (a timer can fire a fraction of a millisecond early): the next flush takes it.
      if (slot.dueAt > now) {
        next = Math.min(next, slot.dueAt);
        continue;
      }
      this.publish(slot, now);
      if (!slot.deferred) this.due.delete(slot);
      else next = Math.min(next, now + slot.sender.buckets[slot.deferredPriority].msUntilToken(now));
    }
    this.applyOutbox();
    if (next !== Number.POSITIVE_INFINITY) this.schedule(next);
  }

  private accept(slot: ClientSlot, state: ClientPresence, now: number): void {
    const { activity } = slot.sender;
    const previous = slot.received;
    slot.received = state;
    // A status is a report only when the client changed it: a repeat of the status it holds — its own
    // earlier report, or the server's it adopted — says nothing new (heartbeats repeat everything).
    const reported = state.status !== undefined && state.status !== slot.clientStatus;
    slot.clientStatus = state.status;
    if (showsActivity(previous, state)) activity.touch(now);
    if (reported) activity.report(state.status!, now);
    if (activity.update(now)) this.republish(slot.sender, now);
    else this.markPending(slot, now);
  }

  /** Queues every slot of the sender for publication (its status changed). */
  private republish(sender: SenderPresence, now: number): void {
    for (const slot of sender.slots.values()) if (slot.received) this.markPending(slot, now);
  }

  private markPending(slot: ClientSlot, now: number): void {
    let dueAt = now;
    const published = slot.published;
    const state = slot.received!;
    if (published) {
      if (!samePoint(published.cursor, state.cursor)) dueAt = Math.max(dueAt, slot.cursorAt + this.timings.cursorIntervalMs);
      if (!sameViewport(published.viewport, state.viewport)) dueAt = Math.max(dueAt, slot.viewportAt + this.timings.viewportIntervalMs);
    }
    slot.pending = true;
    slot.dueAt = dueAt;
    if (this.timings.batchMs === 0 && dueAt <= now) {
      // Batching off: a state the throttle lets through goes out now, as Hocuspocus would send it.
      this.publish(slot, now);
      this.applyOutbox();
      return;
    }
    this.due.add(slot);
    this.schedule(dueAt);
  }

  private schedule(at: number): void {
    if (this.timings.batchMs > 0) at = Math.max(at, this.lastFlushAt + this.timings.batchMs);
    if (at >= this.timerAt) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => this.flush(), Math.max(0, at - this.now()));
  }

  /** Applies the slot's state to the document's awareness, with the sender's identity and status. */
  private publish(slot: ClientSlot, now: number): void {
    slot.pending = false;
    const sender = slot.sender;
    const connection = sender.sender.connection;
    // A flush can come after the connection closed (its leave is on the way): never resurrect it.
    if (connection && !this.document.hasConnection(connection)) return;
    const state = slot.received!;
    const published = slot.published;
    // The client's own fields first, so that no key of theirs can stand in for a v1 field.
    const next: PresenceState = {
      ...state.fields,
      user: sender.user,
      cursor: state.cursor,
      viewport: state.viewport,
      selection: state.selection,
      status: sender.activity.status,
    };
    if (!published || !samePoint(published.cursor, next.cursor)) slot.cursorAt = now;
    if (!published || !sameViewport(published.viewport, next.viewport)) slot.viewportAt = now;
    const awareness = this.document.awareness;
    // At least the client's clock, and above the room's so that peers take it. When it is above the
    // client's own (the server changed the state: a status, a renewal), the client's Awareness adopts
    // it as its local state.
    const clock = Math.max(slot.clientClock, (awareness.meta.get(slot.clientId)?.clock ?? 0) + 1);
    if (clock > slot.clientClock && sender.sender.protocol === "yjs") slot.clientStatus = next.status;
    this.outbox.push({ clientId: slot.clientId, clock, state: next, origin: sender.origin });
    slot.published = next;
    slot.publishedAt = now;
  }

  /**
   * Applies what `publish` queued in one go. A client's first state goes in with its connection as
   * origin (Hocuspocus then knows to remove it when that connection closes); every later state of the
   * flush goes in one call, so Hocuspocus's per-update work — hooks, and the Redis extension — runs
   * once per flush rather than once per client.
   */
  private applyOutbox(): void {
    if (this.outbox.length === 0) return;
    const awareness = this.document.awareness;
    const updates: OutgoingState[] = [];
    for (const entry of this.outbox) {
      if (awareness.meta.has(entry.clientId)) updates.push(entry);
      else setAwarenessStates(awareness, [entry], entry.origin);
    }
    this.outbox = [];
    if (updates.length > 0) setAwarenessStates(awareness, updates, PRESENCE_ORIGIN);
  }

  /**
   * The slot for `clientId` if the sender may speak for it: its own, or a new one when no one else in
   * the room holds that id. The same user's new connection takes over an id from an old connection
   * that has not been noticed closing yet (a reconnecting provider keeps its Y.Doc's client id).
   */
  private slotFor(sender: SenderPresence, clientId: number, removal: boolean): ClientSlot | undefined {
    const own = sender.slots.get(clientId);
    if (own) return own;
    if (removal) return undefined;
    const owner = this.owners.get(clientId);
    if (owner) {
      if (owner.sender.user.id !== sender.user.id) return undefined;
      owner.sender.slots.delete(clientId);
      const previous = owner.sender.sender.connection;
      // Hocuspocus removes a closing connection's awareness clients: this one is no longer its.
      if (previous) this.document.connections.get(previous)?.clients.delete(clientId);
      owner.sender = sender;
      owner.clientClock = -1;
      sender.slots.set(clientId, owner);
      return owner;
    }
    const awareness = this.document.awareness;
    if (clientId === awareness.clientID || awareness.states.has(clientId)) return undefined;
    if (sender.slots.size >= MAX_CLIENTS_PER_SENDER) return undefined;
    const slot = new ClientSlot(clientId, sender);
    sender.slots.set(clientId, slot);
    this.owners.set(clientId, slot);
    return slot;
  }

  private removeSlot(slot: ClientSlot): void {
    const sender = slot.sender;
    sender.slots.delete(slot.clientId);
    if (this.owners.get(slot.clientId) === slot) this.owners.delete(slot.clientId);
    this.due.delete(slot);
    slot.pending = false;
    slot.deferred = undefined;
    if (this.document.awareness.states.has(slot.clientId)) {
      removeAwarenessStates(this.document.awareness, [slot.clientId], sender.origin);
    }
  }
}
