import type { ClientStatus } from "liveshare/client";
import { CONNECTION_WORDS } from "./status-words.ts";

const EXPLAIN: Record<ClientStatus["connection"], string> = {
  connecting: "Connecting to the server.",
  syncing: "Sending and receiving changes.",
  synced: "Every change you made is saved on the server.",
  offline: "No connection. Keep working: your changes are kept and sent when the connection is back.",
  error: "The server refused the connection.",
};

/** Synced / Syncing / Offline / Error, with the number of changes the server has not confirmed yet. */
export function SyncBadge({ status }: { status: ClientStatus }) {
  const { connection, unsyncedChanges } = status;
  const unsaved = unsyncedChanges > 0 ? ` · ${unsyncedChanges} unsaved ${unsyncedChanges === 1 ? "change" : "changes"}` : "";
  return (
    <span className={`sync-badge ${connection}`} role="status" aria-live="polite" title={EXPLAIN[connection]} data-connection={connection}>
      <span className="dot" aria-hidden="true" />
      {CONNECTION_WORDS[connection]}
      {unsaved}
    </span>
  );
}
