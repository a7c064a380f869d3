import { useCallback, useEffect, useRef, useState } from "react";
import { api, type Diagram, type LinkAccess, type Role } from "../api.ts";

interface Share {
  user_id: string;
  name?: string | null;
  permission: "view" | "edit";
}
interface UserHit {
  user_id: string;
  name: string;
}

const LINK_WORDS: Record<LinkAccess, string> = { none: "Only people added here", view: "Anyone signed in with the link can view", edit: "Anyone signed in with the link can edit" };

/** Who may open this diagram: people by name with view or edit, link access, and the link to copy. */
export function ShareDialog({ diagram, role, onClose }: { diagram: Diagram; role: Role; onClose: () => void }) {
  const owner = role === "owner";
  const [shares, setShares] = useState<Share[]>([]);
  const [linkAccess, setLinkAccess] = useState<LinkAccess>(diagram.link_access ?? "none");
  const [query, setQuery] = useState("");
  const [hits, setHits] = useState<UserHit[]>([]);
  const [permission, setPermission] = useState<"view" | "edit">("edit");
  const [message, setMessage] = useState<string>();
  const dialog = useRef<HTMLDivElement>(null);
  const link = `${location.origin}${location.pathname}${location.search}`;

  const load = useCallback(async () => {
    if (!owner) return;
    try {
      const [{ shares }, fresh] = await Promise.all([
        api<{ shares: Share[] }>("GET", `/api/diagrams/${diagram.id}/shares`),
        api<Diagram>("GET", `/api/diagrams/${diagram.id}`),
      ]);
      setShares(shares);
      setLinkAccess(fresh.link_access ?? "none");
    } catch (e) {
      setMessage(e instanceof Error ? e.message : String(e));
    }
  }, [diagram.id, owner]);
  useEffect(() => void load(), [load]);
  useEffect(() => {
    dialog.current?.querySelector<HTMLElement>("input, button")?.focus();
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && onClose();
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);

  // Find people by name as one types (the server bounds the search and answers id and name only).
  useEffect(() => {
    const q = query.trim();
    // The server searches from two characters on.
    if (!owner || q.length < 2) return setHits([]);
    const timer = setTimeout(() => {
      api<{ users: UserHit[] }>("GET", `/api/diagrams/${diagram.id}/share-candidates?q=${encodeURIComponent(q)}`)
        .then(({ users }) => setHits(users))
        .catch((e: unknown) => setMessage(e instanceof Error ? e.message : String(e)));
    }, 150);
    return () => clearTimeout(timer);
  }, [query, owner]);

  const act = async (action: () => Promise<unknown>, done: string) => {
    try {
      await action();
      setMessage(done);
      await load();
    } catch (e) {
      setMessage(e instanceof Error ? e.message : String(e));
    }
  };
  const share = (user: UserHit, p: "view" | "edit") =>
    act(() => api("PUT", `/api/diagrams/${diagram.id}/shares/${user.user_id}`, { permission: p }), `${user.name} can now ${p === "edit" ? "edit" : "view"}.`);

  return (
    <div className="overlay" onClick={(e) => e.target === e.currentTarget && onClose()}>
      <div className="dialog share-dialog" role="dialog" aria-modal="true" aria-labelledby="share-title" ref={dialog}>
        <h2 id="share-title">Share “{diagram.name}”</h2>
        <div className="copy-link">
          <input readOnly value={link} aria-label="Link to this diagram" onFocus={(e) => e.target.select()} />
          <button
            className="primary"
            onClick={() =>
              navigator.clipboard.writeText(link).then(
                () => setMessage("Link copied."),
                () => setMessage("Copying was refused by the browser: select the link and copy it."),
              )
            }
          >
            Copy link
          </button>
        </div>
        {owner ? (
          <>
            <label>
              Link access
              <select
                value={linkAccess}
                onChange={(e) => {
                  const value = e.target.value as LinkAccess;
                  void act(() => api("PATCH", `/api/diagrams/${diagram.id}`, { link_access: value }), `Link access: ${LINK_WORDS[value].toLowerCase()}.`);
                }}
              >
                {(Object.keys(LINK_WORDS) as LinkAccess[]).map((k) => (
                  <option key={k} value={k}>
                    {LINK_WORDS[k]}
                  </option>
                ))}
              </select>
            </label>
            <div className="find-people">
              <label htmlFor="find-person">Add people</label>
              <input id="find-person" placeholder="Find by name" value={query} onChange={(e) => setQuery(e.target.value)} autoComplete="off" />
              <select aria-label="Permission for the person you add" value={permission} onChange={(e) => setPermission(e.target.value as "view" | "edit")}>
                <option value="edit">Can edit</option>
                <option value="view">Can view</option>
              </select>
              {hits.length > 0 && (
                <ul className="hits" aria-label="People found">
                  {hits.map((u) => (
                    <li key={u.user_id}>
                      <button
                        onClick={() => {
                          setQuery("");
                          void share(u, permission);
                        }}
                      >
                        Add {u.name}
                      </button>
                    </li>
                  ))}
                </ul>
              )}
              {query.trim().length >= 2 && hits.length === 0 && <p className="hint">Nobody by that name has signed in here yet.</p>}
            </div>
            <h3>People with access</h3>
            {shares.length === 0 && <p className="hint">Only you, so far.</p>}
            <ul className="shares">
              {shares.map((s) => (
                <li key={s.user_id} data-user={s.name ?? s.user_id}>
                  <span>{s.name ?? s.user_id}</span>
                  <select
                    aria-label={`Permission for ${s.name ?? s.user_id}`}
                    value={s.permission}
                    onChange={(e) => share({ user_id: s.user_id, name: s.name ?? s.user_id }, e.target.value as "view" | "edit")}
                  >
                    <option value="edit">Can edit</option>
                    <option value="view">Can view</option>
                  </select>
                  <button
                    className="link danger"
                    onClick={() => act(() => api("DELETE", `/api/diagrams/${diagram.id}/shares/${s.user_id}`), `${s.name ?? "They"} no longer has access.`)}
                  >
                    Remove
                  </button>
                </li>
              ))}
            </ul>
          </>
        ) : (
          <p className="hint">Only the owner can change who has access. Anyone who already has access can open this link.</p>
        )}
        {message && (
          <p role="status" className="notice">
            {message}
          </p>
        )}
        <p className="actions">
          <button onClick={onClose}>Close</button>
        </p>
      </div>
    </div>
  );
}
