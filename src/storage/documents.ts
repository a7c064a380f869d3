import * as Y from "yjs";
import type { Database, Sql } from "./database.ts";

export interface StoredDocument {
  /** The compacted state merged with every logged update after it; null for a diagram never edited. */
  update: Uint8Array | null;
  /** How many log entries were merged in (a long tail means compaction is behind). */
  logEntries: number;
  /** Log entries that could not be decoded and were skipped. */
  skipped: number;
}

export interface CompactionResult {
  stateBytes: number;
  /** Log entries folded into the state and deleted. */
  compacted: number;
}

/**
 * A diagram's Yjs document in the database: a compacted state (`diagram_documents`) plus the durable
 * update log after it (`diagram_updates`, appended by `UpdateLog`).
 *
 * Compaction is a union, never a cut-off: it folds exactly the log rows it read into the state and
 * deletes exactly those rows. A row that commits later (a slower concurrent append, another instance)
 * stays in the log and is loaded next time, so no interleaving can lose an acknowledged update.
 */
export class DocumentStore {
  constructor(private readonly db: Database) {}

  async load(diagramId: string): Promise<StoredDocument> {
    const { state, updates } = await this.db.transaction(async (tx) => {
      if (this.db.kind === "postgres") await tx.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
      const [doc] = await tx.query<{ state: Uint8Array; state_encoding: Encoding }>(
        "SELECT state, state_encoding FROM diagram_documents WHERE diagram_id = $1",
        [diagramId],
      );
      const rows = await tx.query<{ data: Uint8Array }>("SELECT data FROM diagram_updates WHERE diagram_id = $1 ORDER BY seq", [
        diagramId,
      ]);
      return { state: doc ? asV1(doc.state, doc.state_encoding) : undefined, updates: rows.map((r) => r.data) };
    });
    const parts = state && state.length > 0 ? [state, ...updates] : updates;
    if (parts.length === 0) return { update: null, logEntries: 0, skipped: 0 };
    try {
      return { update: Y.mergeUpdates(parts), logEntries: updates.length, skipped: 0 };
    } catch {
      // One undecodable entry must not make the whole diagram unloadable: keep every part that decodes.
      const valid = parts.filter(isDecodable);
      return { update: valid.length > 0 ? Y.mergeUpdates(valid) : null, logEntries: updates.length, skipped: parts.length - valid.length };
    }
  }

  /**
   * Folds the stored state and the log into one stored state, then deletes the log rows it folded in,
   * keeping who edited when in `diagram_edit_activity`. With `live` (the room's loaded document) the
   * stored parts are applied to it — cheap, since it already holds nearly all of them, and anything it
   * lacked (another instance's edits) reaches its clients too — and the state is encoded from it.
   * Serialised per diagram by a row lock; runs inside `tx` when given (a snapshot stores itself in the
   * same transaction).
   */
  async compact(diagramId: string, live: Y.Doc | null, tx?: Sql): Promise<CompactionResult> {
    if (!tx) return this.db.transaction((t) => this.compact(diagramId, live, t));
    await tx.query("INSERT INTO diagram_documents (diagram_id, state) VALUES ($1, $2) ON CONFLICT (diagram_id) DO NOTHING", [
      diagramId,
      new Uint8Array(0),
    ]);
    const [doc] = await tx.query<{ state: Uint8Array; state_encoding: Encoding }>(
      "SELECT state, state_encoding FROM diagram_documents WHERE diagram_id = $1 FOR UPDATE",
      [diagramId],
    );
    const rows = await tx.query<{ seq: number; data: Uint8Array }>("SELECT seq, data FROM diagram_updates WHERE diagram_id = $1 ORDER BY seq", [
      diagramId,
    ]);
    // Integrating into a garbage-collecting Y.Doc (rather than mergeUpdates) drops the content of
    // deleted items, so a diagram edited for hours does not keep every overwritten value.
    const target = live ?? new Y.Doc({ gc: true });
    if (doc && doc.state.length > 0) applyStored(target, doc.state, doc.state_encoding);
    for (const row of rows) {
      if (row.data.length > 0 && isDecodable(row.data)) Y.applyUpdate(target, row.data, COMPACTION_ORIGIN);
    }
    const state = Y.encodeStateAsUpdateV2(target);
    if (!live) target.destroy();
    const seqs = rows.map((r) => r.seq);
    await tx.query("UPDATE diagram_documents SET state = $2, state_encoding = 'v2', state_seq = GREATEST(state_seq, $3), updated_at = now() WHERE diagram_id = $1", [
      diagramId,
      state,
      seqs.at(-1) ?? 0,
    ]);
    if (seqs.length > 0) {
      await tx.query(
        `INSERT INTO diagram_edit_activity (diagram_id, user_id, minute, edits)
         SELECT diagram_id, user_id, date_trunc('minute', created_at), count(*)
           FROM diagram_updates WHERE diagram_id = $1 AND seq = ANY($2::bigint[]) AND user_id IS NOT NULL
          GROUP BY diagram_id, user_id, date_trunc('minute', created_at)
         ON CONFLICT (diagram_id, minute, user_id) DO UPDATE SET edits = diagram_edit_activity.edits + EXCLUDED.edits`,
        [diagramId, seqs],
      );
      await tx.query("DELETE FROM diagram_updates WHERE diagram_id = $1 AND seq = ANY($2::bigint[])", [diagramId, seqs]);
    }
    return { stateBytes: state.length, compacted: rows.length };
  }

  /** Appends one update to the diagram's log (a server-side edit of a diagram that has no room). */
  async append(diagramId: string, update: Uint8Array, userId: string | null): Promise<void> {
    await this.db.query("INSERT INTO diagram_updates (diagram_id, data, user_id) VALUES ($1, $2, $3)", [diagramId, update, userId]);
  }

  /** Bytes stored for the diagram: compacted state plus log. */
  async storedBytes(diagramId: string): Promise<{ state: number; log: number; logEntries: number }> {
    const [row] = await this.db.query<{ state: number | null; log: number | null; entries: number }>(
      `SELECT (SELECT octet_length(state) FROM diagram_documents WHERE diagram_id = $1) AS state,
              (SELECT sum(octet_length(data))::int FROM diagram_updates WHERE diagram_id = $1) AS log,
              (SELECT count(*)::int FROM diagram_updates WHERE diagram_id = $1) AS entries`,
      [diagramId],
    );
    return { state: row?.state ?? 0, log: row?.log ?? 0, logEntries: row?.entries ?? 0 };
  }
}

/** True when `update` is a well-formed Yjs update. */
export function isDecodable(update: Uint8Array): boolean {
  try {
    Y.decodeUpdate(update);
    return true;
  } catch {
    return false;
  }
}

/** How a stored state is encoded: Yjs's v1 update format (what clients send) or the far more compact v2. */
export type Encoding = "v1" | "v2";

/** A stored update in the v1 format the wire protocol and `Y.mergeUpdates` use. */
export function asV1(update: Uint8Array, encoding: Encoding): Uint8Array {
  if (update.length === 0) return update;
  return encoding === "v2" ? Y.convertUpdateFormatV2ToV1(update) : update;
}

/**
 * The origin of stored updates folded into a live document by compaction. They are durable already,
 * so nothing stores or logs them again (`skipStoreHooks`, and the durable log skips this kind), but as
 * a local change Hocuspocus broadcasts whatever this instance lacked to its clients and the Redis
 * extension publishes it to the other instances.
 */
export const COMPACTION_ORIGIN = { source: "local", skipStoreHooks: true, context: { kind: "compaction" } } as const;

function applyStored(doc: Y.Doc, update: Uint8Array, encoding: Encoding): void {
  if (encoding === "v2") Y.applyUpdateV2(doc, update, COMPACTION_ORIGIN);
  else Y.applyUpdate(doc, update, COMPACTION_ORIGIN);
}
