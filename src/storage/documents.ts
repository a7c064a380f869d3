import * as Y from "yjs";
import type { Database, Sql } from "./database.ts";
import { updateProblem } from "../collab/update-check.ts";
import { COMPACTION_ORIGIN } from "../origins.ts";

export interface LoadResult {
  /** How many log entries were applied after the state (a long tail means compaction is behind). */
  logEntries: number;
  /** Stored updates that do not decode or would not apply, skipped (see `integrateStored`). */
  skipped: number;
  /** Nothing is stored: a diagram never edited. */
  empty: boolean;
}

export interface StoredDocument extends Omit<LoadResult, "empty"> {
  /** The compacted state merged with every logged update after it; null for a diagram never edited. */
  update: Uint8Array | null;
}

export interface CompactionResult {
  stateBytes: number;
  /** Log entries folded into the state and deleted. */
  compacted: number;
  /** Of those, entries that do not decode or would not apply: deleted without being folded in. */
  skipped: number;
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
  /** Observes stored updates skipped by a load or a compaction (they do not decode or would not apply). */
  onSkipped: ((diagramId: string, rows: number) => void) | undefined;

  constructor(private readonly db: Database) {}

  /**
   * Loads the diagram's stored document into `doc` (a room's, when it loads): the compacted state, then
   * every log entry after it (DUR-6), each decoded and integrated once. The state is this store's own
   * encoding, written from a document by `compact`: one that does not read throws (the room is then
   * unavailable, DUR-13). A log entry that does not decode or would not apply is skipped and counted
   * (DUR-11), as compaction does.
   */
  async loadInto(diagramId: string, doc: Y.Doc, origin: unknown = null): Promise<LoadResult> {
    const { state, updates } = await this.db.transaction(async (tx) => {
      if (this.db.kind === "postgres") await tx.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
      const [row] = await tx.query<{ state: Uint8Array; state_encoding: Encoding }>(
        "SELECT state, state_encoding FROM diagram_documents WHERE diagram_id = $1",
        [diagramId],
      );
      const rows = await tx.query<{ data: Uint8Array }>("SELECT data FROM diagram_updates WHERE diagram_id = $1 ORDER BY seq", [
        diagramId,
      ]);
      return { state: row && row.state.length > 0 ? row : undefined, updates: rows.map((r) => r.data) };
    });
    if (state) applyStored(doc, state.state, state.state_encoding, origin);
    const { skipped } = integrateStored(updates, doc, origin);
    if (skipped > 0) this.onSkipped?.(diagramId, skipped);
    return { logEntries: updates.length, skipped, empty: !state && updates.length === 0 };
  }

  /** The stored document as one v1 update (what `loadInto` builds, encoded). */
  async load(diagramId: string): Promise<StoredDocument> {
    const doc = new Y.Doc({ gc: true });
    try {
      const { empty, logEntries, skipped } = await this.loadInto(diagramId, doc);
      return { update: empty ? null : Y.encodeStateAsUpdate(doc), logEntries, skipped };
    } finally {
      doc.destroy();
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
    // The state is this store's own encoding: one that does not apply aborts the compaction (the
    // transaction rolls back) rather than being replaced by a state without it.
    if (doc && doc.state.length > 0) applyStored(target, doc.state, doc.state_encoding, COMPACTION_ORIGIN);
    // A bad row is skipped, and deleted with the others: it never was part of the document.
    const { skipped } = integrateStored(
      rows.map((r) => r.data),
      target,
      COMPACTION_ORIGIN,
    );
    if (skipped > 0) this.onSkipped?.(diagramId, skipped);
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
    return { stateBytes: state.length, compacted: rows.length, skipped };
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
  return updateProblem(update) !== "undecodable";
}

/**
 * Applies stored updates to `doc` one by one, skipping (and counting) each that does not decode or
 * would not apply (`updateProblem`), so that one bad row never makes a diagram unloadable: it loads
 * with every good edit. Should an update that passed the check still throw while being applied, it
 * is skipped too, and what of it was applied stays.
 */
export function integrateStored(parts: readonly Uint8Array[], doc: Y.Doc, origin: unknown): { skipped: number } {
  let skipped = 0;
  for (const part of parts) {
    if (part.length === 0 || updateProblem(part) !== undefined) {
      skipped++;
      continue;
    }
    try {
      Y.applyUpdate(doc, part, origin);
    } catch {
      skipped++;
    }
  }
  return { skipped };
}

/** How a stored state is encoded: Yjs's v1 update format (what clients send) or the far more compact v2. */
export type Encoding = "v1" | "v2";

function applyStored(doc: Y.Doc, update: Uint8Array, encoding: Encoding, origin: unknown): void {
  if (encoding === "v2") Y.applyUpdateV2(doc, update, origin);
  else Y.applyUpdate(doc, update, origin);
}
