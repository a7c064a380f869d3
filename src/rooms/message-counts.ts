import type { WebSocket } from "ws";
import type { ClientConnection, FrameStage } from "../collab/stages.ts";
import type { FrameHeader } from "../collab/wire.ts";
import type { Logger } from "../logger.ts";
import type { SessionStore } from "../storage/sessions.ts";
import type { LiveRooms } from "./live-rooms.ts";

interface Tally {
  count: number;
  /** Date.now() of the last message. */
  last: number;
}

export interface MessageCountsOptions {
  sessions: SessionStore;
  rooms: LiveRooms;
  /** How often the counts are written (MESSAGE_COUNT_FLUSH_MS). */
  flushMs: number;
  logger: Logger;
}

/**
 * A session's `message_count` and `last_message_at`: every message its clients send (Yjs frames of
 * any kind, JSON-protocol messages after `Auth`) is counted in memory, and the counts of all rooms
 * are written every `flushMs` in one statement. A message costs a map lookup and an addition; the
 * database sees one UPDATE per interval, never one per frame. A `/collab` frame stage, so it sees
 * every frame once, presence included, before anything else handles it.
 */
export class MessageCounts implements FrameStage {
  private tallies = new Map<string, Tally>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly options: MessageCountsOptions) {}

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.options.flushMs);
    this.timer.unref();
  }

  /** Stops the timer and writes what is left. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  /** Counts `count` messages in the room (a loaded room only: a frame may name any address). */
  count(roomId: string, count = 1): void {
    const tally = this.tallies.get(roomId);
    if (tally) {
      tally.count += count;
      tally.last = Date.now();
    } else if (this.options.rooms.get(roomId)) {
      this.tallies.set(roomId, { count, last: Date.now() });
    }
  }

  take(_frame: Uint8Array, header: FrameHeader | undefined, _socket: WebSocket, _client: ClientConnection): boolean {
    if (header) this.count(header.room);
    return false;
  }

  /** Writes the counts gathered since the last flush (one statement for all rooms). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.tallies.size === 0) return;
      const batch = this.tallies;
      this.tallies = new Map();
      const rows = [...batch].map(([sessionId, t]) => ({ sessionId, count: t.count, lastMessageAt: new Date(t.last) }));
      try {
        await this.options.sessions.addMessageCounts(rows);
      } catch (error) {
        // Counts are statistics: put them back for the next attempt rather than lose or block anything.
        for (const row of rows) {
          const tally = this.tallies.get(row.sessionId);
          if (tally) tally.count += row.count;
          else this.tallies.set(row.sessionId, { count: row.count, last: row.lastMessageAt.getTime() });
        }
        this.options.logger.warn({ err: error, rooms: rows.length }, "could not store message counts; retrying");
      }
    });
    return this.flushing;
  }
}
