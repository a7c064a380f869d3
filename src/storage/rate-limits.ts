import { randomUUID } from "node:crypto";
import type { Sql } from "./database.ts";
import { iso } from "./sql.ts";

/** Messages over a rate limit from one user in one session, of one type, in one time window. */
export interface RateLimitCount {
  sessionId: string;
  userId: string;
  messageType: string;
  windowStart: Date;
  count: number;
}

/** A stored `liveshare_rate_limits` row. */
export interface RateLimitRow {
  session_id: string;
  user_id: string;
  message_type: string;
  window_start: string;
  message_count: number;
}

/** `liveshare_rate_limits`: rate-limit violations aggregated per (session, user, message type, window). */
export class RateLimitStore {
  constructor(private readonly sql: Sql) {}

  /**
   * Adds the counts to their windows (one statement; a window already stored is added to). Throws on a
   * row whose session or user does not exist (foreign key) — see `addEach`.
   */
  async add(counts: readonly RateLimitCount[]): Promise<void> {
    if (counts.length === 0) return;
    const values: string[] = [];
    const params: unknown[] = [];
    for (const c of counts) {
      const n = params.length;
      values.push(`($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}, $${n + 5}, $${n + 6})`);
      params.push(randomUUID(), c.sessionId, c.userId, c.messageType, c.windowStart.toISOString(), c.count);
    }
    await this.sql.query(
      `INSERT INTO liveshare_rate_limits (id, session_id, user_id, message_type, window_start, message_count)
       VALUES ${values.join(", ")}
       ON CONFLICT (session_id, user_id, message_type, window_start)
       DO UPDATE SET message_count = liveshare_rate_limits.message_count + EXCLUDED.message_count`,
      params,
    );
  }

  /** Like `add`, row by row: rows that fail (a session deleted meanwhile) are skipped; returns how many. */
  async addEach(counts: readonly RateLimitCount[]): Promise<number> {
    let skipped = 0;
    for (const c of counts) {
      try {
        await this.add([c]);
      } catch {
        skipped += 1;
      }
    }
    return skipped;
  }

  /** A session's recorded violations, oldest window first. */
  async forSession(sessionId: string): Promise<RateLimitRow[]> {
    return this.sql.query<RateLimitRow>(
      `SELECT session_id, user_id, message_type, ${iso("window_start")}, message_count
       FROM liveshare_rate_limits WHERE session_id = $1 ORDER BY window_start, message_type, user_id`,
      [sessionId],
    );
  }
}
