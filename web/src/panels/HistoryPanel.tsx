import { useCallback, useEffect, useState } from "react";
import { api } from "../api.ts";
import type { SchemaJson } from "../schema.ts";

interface SnapshotEntry {
  id: string;
  created_at: string;
  element_count: number;
  present_users: { user_id: string; name: string | null }[];
}

/** The session's snapshots: when, who was there, a read-only look, and restore for owners and editors. */
export function HistoryPanel({ roomId, canRestore, onClose, onError }: { roomId: string; canRestore: boolean; onClose: () => void; onError: (m: string) => void }) {
  const [snapshots, setSnapshots] = useState<SnapshotEntry[]>();
  const [preview, setPreview] = useState<{ id: string; schema: SchemaJson }>();
  const [notice, setNotice] = useState<string>();

  const load = useCallback(async () => {
    try {
      const { snapshots } = await api<{ snapshots: SnapshotEntry[] }>("GET", `/api/liveshare/sessions/${roomId}/snapshots`);
      setSnapshots([...snapshots].sort((a, b) => b.created_at.localeCompare(a.created_at)));
    } catch (e) {
      onError(e instanceof Error ? e.message : String(e));
    }
  }, [roomId, onError]);
  useEffect(() => void load(), [load]);

  const show = async (id: string) => {
    try {
      const { schema } = await api<{ schema: SchemaJson }>("GET", `/api/liveshare/sessions/${roomId}/snapshots/${id}`);
      setPreview({ id, schema });
    } catch (e) {
      onError(e instanceof Error ? e.message : String(e));
    }
  };
  const restore = async (entry: SnapshotEntry) => {
    if (!confirm(`Restore the diagram as it was at ${time(entry.created_at)}? Everyone sees the change; it can be undone by restoring a later snapshot.`)) return;
    try {
      await api("POST", `/api/liveshare/sessions/${roomId}/snapshots/${entry.id}/restore`);
      setNotice(`Restored the diagram as it was at ${time(entry.created_at)}.`);
      setPreview(undefined);
      await load();
    } catch (e) {
      onError(e instanceof Error ? e.message : String(e));
    }
  };

  return (
    <aside className="inspector history" aria-label="History">
      <h2>
        History{" "}
        <button className="link" onClick={onClose} aria-label="Close history">
          ✕
        </button>
      </h2>
      <p className="hint">Snapshots are taken regularly while the diagram changes. A restore is itself a change everyone sees, and can be undone by restoring a later snapshot.</p>
      <button className="link" onClick={() => void load()}>
        Refresh
      </button>
      {notice && (
        <p role="status" className="notice">
          {notice}
        </p>
      )}
      {snapshots?.length === 0 && <p>No snapshots yet.</p>}
      <ol className="snapshots">
        {snapshots?.map((s) => (
          <li key={s.id} className={preview?.id === s.id ? "previewing" : undefined} data-snapshot={s.id}>
            <div className="when">{time(s.created_at)}</div>
            <div className="who">
              {s.element_count === 1 ? "1 element" : `${s.element_count} elements`} · {s.present_users.length === 0 ? "nobody present" : s.present_users.map((u) => u.name ?? "someone").join(", ")}
            </div>
            <button onClick={() => void show(s.id)}>Preview</button>
            {canRestore && (
              <button className="primary" onClick={() => void restore(s)}>
                Restore
              </button>
            )}
          </li>
        ))}
      </ol>
      {preview && (
        <section className="preview" aria-label="Snapshot preview (read-only)">
          <h3>Preview (read-only)</h3>
          <p className="hint">
            {preview.schema.tables.length} tables, {preview.schema.relationships.length} relationships
          </p>
          <ul>
            {preview.schema.tables.map((t) => (
              <li key={t.id}>
                <strong>{t.name}</strong> <span className="hint">{t.columns.map((c) => c.name).join(", ")}</span>
              </li>
            ))}
          </ul>
        </section>
      )}
    </aside>
  );
}

const time = (iso: string) => new Date(iso).toLocaleString();
