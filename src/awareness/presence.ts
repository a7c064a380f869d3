import type { Document } from "@hocuspocus/server";
import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics.ts";
import { liveliest } from "./activity.ts";
import { PRIORITY_OF_KIND, PresenceKind, type Priority } from "../limits/priorities.ts";
import { RoomPresence, type DropReason, type PresenceTimings, type RoomEvents } from "./room-presence.ts";
import type { PresenceSender, SenderPresence } from "./sender.ts";
import { PRESENCE_STATUSES, type PresenceStatus } from "./state.ts";
import type { ViolationLog } from "../limits/violations.ts";
import { LoneEntryReader, bodyDecoder, readAwarenessEntries, type AwarenessEntry, type FrameHeader } from "../collab/wire.ts";

export type { PresenceSender } from "./sender.ts";

export interface PresenceOptions {
  idleAfterMs: number;
  awayAfterMs: number;
  /** Fan-out batching window in ms (PRESENCE_BATCH_MS, default 100); 0 turns batching off. */
  batchMs: number;
  /** Per-sender cursor and viewport rates (30 Hz and 10 Hz by default). */
  cursorHz?: number;
  viewportHz?: number;
  metrics: Metrics;
  logger: Logger;
  /** Where rate-limit violations are recorded (liveshare_rate_limits); none in unit tests. */
  violations?: ViolationLog;
  /** Monotonic milliseconds (tests may pass their own). */
  now?: () => number;
}

/**
 * LiveShare's presence: every client's cursor, viewport, selection and activity status, validated,
 * with the user set from the token, throttled, rate-limited and batched before it reaches
 * `document.awareness` — from which Hocuspocus sends it to Yjs clients (and the JSON protocol to
 * its clients). Yjs awareness frames reach it through the presence extension; JSON clients' presence
 * through `receive`.
 *
 * @example
 * // JSON protocol: a CursorMove from a JSON client, as a presence state of its client id
 * core.presence.receive(document, sender, new Map([[clientId, { cursor: { x, y } }]]));
 * // and when that client goes
 * core.presence.leave(document, sender);
 */
export class Presence {
  private readonly rooms = new Map<string, RoomPresence>();
  private readonly timings: PresenceTimings;
  private readonly now: () => number;
  private readonly sweeper: NodeJS.Timeout;
  private readonly events: RoomEvents;
  private readonly loneEntries = new LoneEntryReader();

  constructor(private readonly options: PresenceOptions) {
    this.now = options.now ?? (() => performance.now());
    this.timings = {
      idleAfterMs: options.idleAfterMs,
      awayAfterMs: options.awayAfterMs,
      batchMs: options.batchMs,
      cursorIntervalMs: 1000 / (options.cursorHz ?? 30),
      viewportIntervalMs: 1000 / (options.viewportHz ?? 10),
    };
    this.events = this.roomEvents();
    // Often enough that a status change reaches the room within a second, and within a fraction of
    // the thresholds when tests shorten them.
    const sweepMs = Math.max(20, Math.min(500, Math.floor(Math.min(options.idleAfterMs, options.awayAfterMs - options.idleAfterMs) / 4)));
    this.sweeper = setInterval(() => this.sweep(), sweepMs);
    this.sweeper.unref();
  }

  /**
   * Presence states a client sent, by awareness client id (`null` removes one). Each goes through
   * validation (invalid ones are dropped), identity (the token's user and the server's colour),
   * rate limits, throttling and batching, and counts towards the sender's activity.
   */
  receive(document: Document, sender: PresenceSender, states: Map<number, unknown | null>): void {
    const room = this.roomFor(document);
    const entry = room.senderFor(sender);
    const now = this.now();
    for (const [clientId, state] of states) {
      if (!Number.isSafeInteger(clientId) || clientId < 0) continue;
      room.receiveState(entry, clientId, state, undefined, 0, now);
    }
  }

  /**
   * One Yjs `Awareness` frame (its header read). False, with nothing applied, when its update is
   * malformed: cut short, or an entry's text is not UTF-8, not JSON, or not an object or null.
   *
   * A provider's cursor move — one entry, its last text with only the cursor changed — is read from
   * the frame's bytes where they lie (`RoomPresence.receiveCursorMove`); every other frame is decoded
   * into entries and read as `receiveEntries` reads them.
   */
  receiveFrame(document: Document, sender: PresenceSender, header: FrameHeader): boolean {
    const bytes = header.bytes.byteLength;
    const lone = this.loneEntries.read(header);
    if (lone) {
      // No room or sender yet means no last text to compare with: nothing is created here.
      const room = this.rooms.get(document.name);
      const entry = room?.document === document ? room.senders.get(sender.key) : undefined;
      if (room && entry && room.receiveCursorMove(entry, lone, header.bytes, bytes, this.now())) return true;
    }
    let entries: AwarenessEntry[];
    try {
      entries = readAwarenessEntries(bodyDecoder(header));
    } catch {
      return false;
    }
    return this.receiveEntries(document, sender, entries, bytes);
  }

  /**
   * The awareness entries of one Yjs frame (`bytes` is the frame size). False, with nothing applied,
   * when any entry's text is not JSON or not an object or null: the update is malformed.
   */
  receiveEntries(document: Document, sender: PresenceSender, entries: readonly AwarenessEntry[], bytes: number): boolean {
    const room = this.roomFor(document);
    const entry = room.senderFor(sender);
    // All read before any is applied. Only a lone entry may be read against its slot's last text
    // (two entries for one client id would each be read against the same text).
    if (entries.length === 1) {
      const only = entries[0]!;
      const decoded = room.decode(entry, only);
      if (!decoded) return false;
      room.receiveState(entry, only.clientId, undefined, only.clock, bytes, this.now(), decoded);
      return true;
    }
    const values: unknown[] = [];
    for (const { json } of entries) {
      let value: unknown;
      try {
        value = JSON.parse(json);
      } catch {
        return false;
      }
      if (value !== null && (typeof value !== "object" || Array.isArray(value))) return false;
      values.push(value);
    }
    const now = this.now();
    entries.forEach(({ clientId, clock }, i) => room.receiveState(entry, clientId, values[i], clock, bytes, now));
    return true;
  }

  /** The sender joined the room (before any presence of its own): its activity starts now. */
  join(document: Document, sender: PresenceSender): void {
    this.roomFor(document).senderFor(sender);
  }

  /** The sender edited the document: activity. */
  touch(document: Document, sender: PresenceSender): void {
    const room = this.rooms.get(document.name);
    const entry = room?.document === document ? room.senders.get(sender.key) : undefined;
    if (room && entry) room.touch(entry, this.now());
  }

  /** The sender left: its states are removed from the room now. */
  leave(document: Document, sender: PresenceSender): void {
    const room = this.rooms.get(document.name);
    if (!room || room.document !== document) return;
    const entry = room.senders.get(sender.key);
    if (entry) room.leave(entry);
    if (room.empty) {
      room.dispose();
      this.rooms.delete(document.name);
    }
  }

  /** A user's status in a room (the liveliest of their connections), or undefined when not present. */
  statusOf(roomId: string, userId: string): PresenceStatus | undefined {
    let status: PresenceStatus | undefined;
    for (const sender of this.rooms.get(roomId)?.senders.values() ?? []) {
      if (sender.user.id === userId) status = liveliest(status, sender.activity.status);
    }
    return status;
  }

  /** The room's presence, for the congestion resync (client ids removed since a time). */
  room(roomId: string): RoomPresence | undefined {
    return this.rooms.get(roomId);
  }

  /** Monotonic time as presence sees it (ms). */
  clock(): number {
    return this.now();
  }

  /** Applies every pending state now (tests, shutdown). */
  flush(): void {
    const now = this.now();
    for (const room of this.rooms.values()) room.flush(now);
  }

  /** Stops timers; states still pending are dropped (the server is stopping). */
  close(): void {
    clearInterval(this.sweeper);
    for (const room of this.rooms.values()) room.dispose();
    this.rooms.clear();
  }

  private roomFor(document: Document): RoomPresence {
    let room = this.rooms.get(document.name);
    if (room && room.document !== document) {
      // The document was unloaded and loaded again: the old room's state belongs to the old one.
      room.dispose();
      room = undefined;
    }
    if (!room) {
      room = new RoomPresence(document, this.timings, this.events, this.now);
      this.rooms.set(document.name, room);
    }
    return room;
  }

  private sweep(): void {
    const now = this.now();
    const users = new Map<string, PresenceStatus>();
    for (const room of this.rooms.values()) {
      room.sweep(now);
      for (const sender of room.senders.values()) {
        const key = `${room.roomId}\u0000${sender.user.id}`;
        users.set(key, liveliest(users.get(key), sender.activity.status));
      }
    }
    const counts: Record<PresenceStatus, number> = { active: 0, idle: 0, away: 0 };
    for (const status of users.values()) counts[status] += 1;
    for (const status of PRESENCE_STATUSES) this.options.metrics.activeUsers.set({ status }, counts[status]);
  }

  private roomEvents(): RoomEvents {
    const { metrics, logger, violations } = this.options;
    // Counted in plain numbers and added to the counters when Prometheus scrapes: this runs for every
    // presence message, and a prom-client `inc` hashes its labels each time.
    const received = new Map<PresenceKind, { messages: number; bytes: number }>();
    for (const kind of Object.values(PresenceKind)) received.set(kind, { messages: 0, bytes: 0 });
    metrics.beforeScrape.add(() => {
      for (const [kind, counts] of received) {
        if (counts.messages > 0) metrics.messagesReceived.inc({ message_type: kind, priority: PRIORITY_OF_KIND[kind] }, counts.messages);
        if (counts.bytes > 0) metrics.bytesReceived.inc({ message_type: kind }, counts.bytes);
        counts.messages = 0;
        counts.bytes = 0;
      }
    });
    const exceeded = new Map<Priority, { inc(): void }>();
    for (const priority of ["volatile", "low", "normal"] as const) exceeded.set(priority, metrics.rateLimitExceeded.labels({ priority }));
    return {
      received(kind, bytes) {
        const counts = received.get(kind)!;
        counts.messages += 1;
        counts.bytes += bytes;
      },
      dropped(kind, reason: DropReason) {
        metrics.messagesDropped.inc({ message_type: kind, reason });
      },
      overLimit(room, sender: SenderPresence, kind) {
        const priority = PRIORITY_OF_KIND[kind];
        exceeded.get(priority)!.inc();
        const wallNow = Date.now();
        violations?.record(room.roomId, sender.user.id, kind, wallNow);
        // One warning per sender, type and minute: a flood must not flood the logs too.
        const window = Math.floor(wallNow / 60_000);
        if (sender.warned.get(kind) !== window) {
          sender.warned.set(kind, window);
          logger.warn({ roomId: room.roomId, userId: sender.user.id, priority, messageType: kind }, "rate limit exceeded; dropping");
        }
      },
    };
  }
}
