import { useCallback, useEffect, useState, type FormEvent } from "react";
import { ApiError, api, canEdit, type Diagram, type Session } from "../api.ts";

/** My diagrams and those shared with me: open, create, rename, delete. */
export function DiagramList() {
  const [diagrams, setDiagrams] = useState<Diagram[]>();
  const [error, setError] = useState<string>();
  const [newName, setNewName] = useState("");

  const load = useCallback(async () => {
    try {
      const { diagrams } = await api<{ diagrams: Diagram[] }>("GET", "/api/diagrams?limit=100");
      setDiagrams(diagrams);
      setError(undefined);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }, []);
  useEffect(() => void load(), [load]);

  const run = async (action: () => Promise<unknown>) => {
    try {
      await action();
      await load();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };

  const create = (event: FormEvent) => {
    event.preventDefault();
    const name = newName.trim();
    if (!name) return;
    void run(async () => {
      const diagram = await api<Diagram>("POST", "/api/diagrams", { name });
      setNewName("");
      await open(diagram);
    });
  };

  return (
    <main className="diagram-list">
      <h1>Diagrams</h1>
      <form className="create" onSubmit={create}>
        <label htmlFor="new-diagram">New diagram</label>
        <input id="new-diagram" value={newName} onChange={(e) => setNewName(e.target.value)} placeholder="Name" maxLength={255} />
        <button type="submit" disabled={!newName.trim()}>
          Create and open
        </button>
      </form>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {diagrams === undefined && !error && <p>Loading your diagrams…</p>}
      {diagrams?.length === 0 && <p>You have no diagrams yet, and none are shared with you. Create one above.</p>}
      {diagrams && diagrams.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Your access</th>
              <th>Changed</th>
              <th>Live now</th>
              <th>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {diagrams.map((d) => (
              <DiagramRow key={d.id} diagram={d} run={run} />
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}

const ROLE_WORDS = { owner: "Owner", editor: "Can edit", viewer: "Can view" } as const;

function DiagramRow({ diagram, run }: { diagram: Diagram; run: (action: () => Promise<unknown>) => void }) {
  const [renaming, setRenaming] = useState(false);
  const [name, setName] = useState(diagram.name);
  const rename = (event: FormEvent) => {
    event.preventDefault();
    setRenaming(false);
    if (name.trim() && name.trim() !== diagram.name) run(() => api("PATCH", `/api/diagrams/${diagram.id}`, { name: name.trim() }));
  };
  return (
    <tr>
      <td>
        {renaming ? (
          <form onSubmit={rename}>
            <input aria-label="New name" autoFocus value={name} onChange={(e) => setName(e.target.value)} onBlur={rename} maxLength={255} />
          </form>
        ) : (
          <a href={`/editor/${diagram.id}`} onClick={(e) => (e.preventDefault(), run(() => open(diagram)))}>
            {diagram.name}
          </a>
        )}
      </td>
      <td>{ROLE_WORDS[diagram.role]}</td>
      <td>{diagram.updated_at ? new Date(diagram.updated_at).toLocaleString() : ""}</td>
      <td>{diagram.active_room_id ? "Yes" : ""}</td>
      <td className="actions">
        {canEdit(diagram.role) && (
          <button className="link" onClick={() => setRenaming(true)}>
            Rename
          </button>
        )}
        {diagram.role === "owner" && (
          <button
            className="link danger"
            onClick={() => {
              if (confirm(`Delete "${diagram.name}" for everyone? People editing it now are disconnected.`)) {
                run(() => api("DELETE", `/api/diagrams/${diagram.id}`));
              }
            }}
          >
            Delete
          </button>
        )}
      </td>
    </tr>
  );
}

/** Opens the diagram's live session: owners and editors start one if none is running. */
async function open(diagram: Diagram): Promise<void> {
  if (canEdit(diagram.role)) {
    const session = await api<Session>("POST", "/api/liveshare/sessions", { diagram_id: diagram.id });
    location.assign(session.share_link);
  } else {
    location.assign(`/editor/${diagram.id}${diagram.active_room_id ? `?room=${diagram.active_room_id}` : ""}`);
  }
}

