import { useCallback, useEffect, useState } from "react";
import { ReactFlowProvider } from "@xyflow/react";
import { ActivityTracker, type LiveShareClient } from "liveshare/client";
import { canEdit, type Diagram } from "../api.ts";
import type { SignedIn } from "../auth.ts";
import { Canvas, type Selection } from "../canvas/Canvas.tsx";
import { Toolbar } from "../canvas/Toolbar.tsx";
import { SyncBadge } from "../panels/SyncBadge.tsx";
import { PresenceList } from "../panels/PresenceList.tsx";
import { Inspector } from "../panels/Inspector.tsx";
import { ShareDialog } from "../panels/ShareDialog.tsx";
import { HistoryPanel } from "../panels/HistoryPanel.tsx";
import { ImportExport } from "../panels/ImportExport.tsx";
import { ClosedNotice } from "../panels/ClosedNotice.tsx";
import { peopleKey, useDiagram, usePeers, useStatus } from "./hooks.ts";
import { clientFor } from "./joining.ts";

/** Connects to the room through the client library; the page lives as long as the connection. */
export function Editor({ session, diagram, roomId }: { session: SignedIn; diagram: Diagram; roomId: string }) {
  const [client, setClient] = useState<LiveShareClient>();
  useEffect(() => {
    const c = clientFor(roomId, session);
    const tracker = new ActivityTracker(c, { target: window });
    setClient(c);
    // For tests and the benchmark: the page's client, to read its state as a person cannot.
    (window as unknown as { liveshare?: LiveShareClient }).liveshare = c;
    return () => {
      tracker.destroy();
      c.destroy();
    };
  }, [roomId, session.token]);
  if (!client) return <p className="page-message">Connecting…</p>;
  return <ConnectedEditor client={client} diagram={diagram} roomId={roomId} session={session} />;
}

type Dialog = "share" | "history" | undefined;

function ConnectedEditor({ client, diagram, roomId, session }: { client: LiveShareClient; diagram: Diagram; roomId: string; session: SignedIn }) {
  const schema = useDiagram(client);
  const status = useStatus(client);
  const peers = usePeers(client, peopleKey);
  const [selection, setSelection] = useState<Selection>({ tables: [], relationships: [] });
  const [dialog, setDialog] = useState<Dialog>();
  const [following, setFollowing] = useState<string | null>(null);
  const [error, setError] = useState<string>();
  // The document's meta.name follows a rename made anywhere (the list, another editor, the API).
  const [name, setName] = useState(() => client.name ?? diagram.name);
  useEffect(() => {
    const onName = (next: string | undefined) => setName(next ?? diagram.name);
    client.on("name", onName);
    return () => client.off("name", onName);
  }, [client, diagram.name]);
  useEffect(() => {
    document.title = `${name} — LiveShare`;
  }, [name]);
  const role = status.role ?? diagram.role;
  const readOnly = status.readOnly || !canEdit(role);
  const closed = status.closed?.final ? status.closed : undefined;

  useEffect(() => {
    if (!error) return;
    const timer = setTimeout(() => setError(undefined), 6000);
    return () => clearTimeout(timer);
  }, [error]);

  // Ctrl+Z / Ctrl+Shift+Z (and Ctrl+Y): undo and redo one's own changes, not while typing in a field.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (readOnly || !(event.ctrlKey || event.metaKey)) return;
      const target = event.target as HTMLElement | null;
      if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT")) return;
      const key = event.key.toLowerCase();
      if (key === "z" && !event.shiftKey) client.undo();
      else if ((key === "z" && event.shiftKey) || key === "y") client.redo();
      else return;
      event.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [client, readOnly]);

  const follow = useCallback(
    (userId: string | null) => {
      client.follow(userId);
      setFollowing(userId);
    },
    [client],
  );
  useEffect(() => {
    // The client stops following by itself when the followed person leaves.
    const onFollow = (viewport: unknown) => {
      if (viewport === null) setFollowing(null);
    };
    client.on("follow", onFollow);
    return () => client.off("follow", onFollow);
  }, [client]);

  return (
    <div className={`editor${readOnly ? " read-only" : ""}`}>
      <header className="topbar">
        <a href="/" className="back">
          ← Diagrams
        </a>
        <h1 className="diagram-name">{name}</h1>
        <SyncBadge status={status} />
        <span className="spacer" />
        <PresenceList peers={peers} me={session} following={following} onFollow={follow} />
        <ImportExport diagramId={diagram.id} readOnly={readOnly} onError={setError} />
        <button onClick={() => setDialog(dialog === "history" ? undefined : "history")} aria-pressed={dialog === "history"}>
          History
        </button>
        <button className="primary" onClick={() => setDialog("share")}>
          Share
        </button>
      </header>
      {readOnly && !closed && (
        <div className="banner view-only" role="status">
          <strong>View only.</strong> You can look around and follow others, but not change this diagram.
        </div>
      )}
      {!closed && status.connection === "offline" && (
        <div className="banner warn" role="status">
          {status.closed && status.closed.reason !== "connection-lost"
            ? `The connection was closed (${status.closed.message || status.closed.reason}). Reconnecting…`
            : "You are offline. Keep working: your changes stay on this device and are sent when the connection is back."}
        </div>
      )}
      {error && (
        <div className="banner error" role="alert">
          {error}
          <button className="link" onClick={() => setError(undefined)} aria-label="Dismiss">
            ✕
          </button>
        </div>
      )}
      <div className="workspace">
        <ReactFlowProvider>
          {!readOnly && <Toolbar client={client} schema={schema} onError={setError} />}
          <Canvas client={client} diagram={schema} readOnly={readOnly} onSelection={setSelection} onError={setError} />
        </ReactFlowProvider>
        {dialog === "history" ? (
          <HistoryPanel roomId={roomId} canRestore={!readOnly} onClose={() => setDialog(undefined)} onError={setError} />
        ) : (
          <Inspector client={client} schema={schema} selection={selection} readOnly={readOnly} onError={setError} />
        )}
      </div>
      {dialog === "share" && <ShareDialog diagram={{ ...diagram, name }} role={role} onClose={() => setDialog(undefined)} />}
      {closed && <ClosedNotice closed={closed} diagramId={diagram.id} unsaved={status.unsyncedChanges} />}
    </div>
  );
}
