import { randomUUID } from "node:crypto";
import type { Sql } from "./database.ts";
import { iso } from "./sql.ts";
import type { Encoding } from "./documents.ts";

export interface SnapshotRow {
  id: string;
  session_id: string;
  diagram_id: string | null;
  created_at: string;
  size_bytes: number;
  element_count: number;
  compressed: boolean;
  encoding: Encoding;
  present_user_ids: string[];
  reason: SnapshotReason;
}

/** What made a snapshot (migration 0004). */
export const SNAPSHOT_REASONS = ["interval", "shutdown", "before-restore", "after-restore"] as const;
export type SnapshotReason = (typeof SNAPSHOT_REASONS)[number];

export interface NewSnapshot {
  sessionId: string;
  diagramId: string;
  data: Uint8Array;
  compressed: boolean;
  encoding: Encoding;
  elementCount: number;
  presentUserIds: string[];
  reason: SnapshotReason;
}

const COLUMNS = `id, session_id, diagram_id, ${iso("created_at")}, size_bytes, element_count, compressed, encoding,
  present_user_ids::text[] AS present_user_ids, reason`;

/** `liveshare_snapshots`: a session's stored snapshots (Yjs updates, compressed when large). */
export class SnapshotStore {
  constructor(private readonly sql: Sql) {}

  async insert(snapshot: NewSnapshot, tx: Sql = this.sql): Promise<SnapshotRow> {
    const [row] = await tx.query<SnapshotRow>(
      `INSERT INTO liveshare_snapshots (id, session_id, diagram_id, snapshot_data, size_bytes, element_count, compressed, present_user_ids, reason, encoding)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::uuid[], $9, $10) RETURNING ${COLUMNS}`,
      [
        randomUUID(),
        snapshot.sessionId,
        snapshot.diagramId,
        snapshot.data,
        snapshot.data.length,
        snapshot.elementCount,
        snapshot.compressed,
        snapshot.presentUserIds,
        snapshot.reason,
        snapshot.encoding,
      ],
    );
    return row!;
  }

  /** Newest first. */
  async list(sessionId: string, limit = 100): Promise<SnapshotRow[]> {
    return this.sql.query<SnapshotRow>(`SELECT ${COLUMNS} FROM liveshare_snapshots WHERE session_id = $1 ORDER BY created_at DESC, id LIMIT $2`, [
      sessionId,
      limit,
    ]);
  }

  async data(id: string): Promise<(SnapshotRow & { snapshot_data: Uint8Array }) | undefined> {
    const [row] = await this.sql.query<SnapshotRow & { snapshot_data: Uint8Array }>(
      `SELECT ${COLUMNS}, snapshot_data FROM liveshare_snapshots WHERE id = $1`,
      [id],
    );
    return row;
  }

  /** Deletes all but the newest `keep` snapshots of the session; returns how many went. */
  async prune(sessionId: string, keep: number, tx: Sql = this.sql): Promise<number> {
    const rows = await tx.query(
      `DELETE FROM liveshare_snapshots WHERE id IN (
         SELECT id FROM liveshare_snapshots WHERE session_id = $1 ORDER BY created_at DESC, id OFFSET $2)
       RETURNING id`,
      [sessionId, keep],
    );
    return rows.length;
  }

  /** Users who edited the diagram at or after `since` (per minute), with their edit counts. */
  async editorsSince(diagramId: string, since: string): Promise<{ user_id: string; name: string | null; edits: number }[]> {
    return this.sql.query(
      `SELECT a.user_id, u.name, sum(a.edits)::int AS edits FROM (
           SELECT user_id, edits FROM diagram_edit_activity WHERE diagram_id = $1 AND minute >= date_trunc('minute', $2::timestamptz)
           UNION ALL
           SELECT user_id, 1 FROM diagram_updates WHERE diagram_id = $1 AND created_at >= $2::timestamptz AND user_id IS NOT NULL
         ) a LEFT JOIN users u ON u.id = a.user_id
        GROUP BY a.user_id, u.name ORDER BY edits DESC`,
      [diagramId, since],
    );
  }
}
