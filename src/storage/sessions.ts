import { randomUUID } from "node:crypto";
import type { Sql } from "./database.ts";
import { iso } from "./sql.ts";

export interface Session {
  id: string;
  diagram_id: string;
  owner_id: string;
  created_at: string;
  ended_at: string | null;
  message_count: number;
  last_message_at: string | null;
}

const SESSION_COLUMNS = `id, diagram_id, owner_id, ${iso("created_at")}, ${iso("ended_at")},
  message_count, ${iso("last_message_at")}`;

/** LiveShare sessions (rooms): at most one active per diagram. */
export class SessionStore {
  constructor(private readonly sql: Sql) {}

  /** The diagram's active session, created when there is none (`created` tells which). */
  async startOrGet(diagramId: string, ownerId: string): Promise<{ session: Session; created: boolean }> {
    const inserted = await this.sql.query<Session>(
      `INSERT INTO liveshare_sessions (id, diagram_id, owner_id) VALUES ($1, $2, $3)
       ON CONFLICT (diagram_id) WHERE ended_at IS NULL DO NOTHING
       RETURNING ${SESSION_COLUMNS}`,
      [randomUUID(), diagramId, ownerId],
    );
    if (inserted[0]) return { session: inserted[0], created: true };
    const active = await this.activeFor(diagramId);
    if (!active) throw new Error(`diagram ${diagramId} has no active session after a conflicting insert`);
    return { session: active, created: false };
  }

  async get(id: string): Promise<Session | undefined> {
    const [row] = await this.sql.query<Session>(`SELECT ${SESSION_COLUMNS} FROM liveshare_sessions WHERE id = $1`, [id]);
    return row;
  }

  async activeFor(diagramId: string): Promise<Session | undefined> {
    const [row] = await this.sql.query<Session>(
      `SELECT ${SESSION_COLUMNS} FROM liveshare_sessions WHERE diagram_id = $1 AND ended_at IS NULL`,
      [diagramId],
    );
    return row;
  }

  /** Ends the session; false when it was already ended or does not exist. */
  async end(id: string): Promise<boolean> {
    const rows = await this.sql.query("UPDATE liveshare_sessions SET ended_at = now() WHERE id = $1 AND ended_at IS NULL RETURNING id", [id]);
    return rows.length > 0;
  }

  /** Adds to sessions' message counters, all in one statement (see `rooms/message-counts.ts`). */
  async addMessageCounts(counts: readonly { sessionId: string; count: number; lastMessageAt: Date }[]): Promise<void> {
    if (counts.length === 0) return;
    const values: string[] = [];
    const params: unknown[] = [];
    for (const c of counts) {
      const n = params.length;
      values.push(`($${n + 1}::uuid, $${n + 2}::int, $${n + 3}::timestamptz)`);
      params.push(c.sessionId, c.count, c.lastMessageAt.toISOString());
    }
    await this.sql.query(
      `UPDATE liveshare_sessions s
          SET message_count = s.message_count + v.n, last_message_at = GREATEST(s.last_message_at, v.at)
         FROM (VALUES ${values.join(", ")}) AS v(id, n, at)
        WHERE s.id = v.id`,
      params,
    );
  }
}
