import type { ClientStatus } from "liveshare/client";
import { CONNECTION_WORDS } from "./status-words.ts";

const EXPLAIN: Record<ClientStatus["connection"], string> = {
  connecting: "Connecting to the server.",
  syncing: "Sending and receiving changes.",
  synced: "Every change you made is saved on the server.",
  offline: "No connection. Keep working: your changes are kept and sent when the connection is back.",
  error: "The server refused the connection.",
};

/** An error the server gave a reason for is named by it: "No access" says more than "Error". */
const ERROR_WORDS: Partial<Record<string, { words: string; explain: string }>> = {
  "access-revoked": { words: "No access", explain: "The owner stopped sharing this diagram with you." },
  "session-ended": { words: "Session ended", explain: "The owner ended this live session." },
  "diagram-deleted": { words: "Deleted", explain: "This diagram was deleted." },
};

/** Synced / Syncing / Offline / Error (or what the error is), with the number of changes the server has not confirmed yet. */
export function SyncBadge({ status }: { status: ClientStatus }) {
  const { connection, unsyncedChanges } = status;
  const unsaved = unsyncedChanges > 0 ? ` · ${unsyncedChanges} unsaved ${unsyncedChanges === 1 ? "change" : "changes"}` : "";
  const named = connection === "error" && status.closed?.reason ? ERROR_WORDS[status.closed.reason] : undefined;
  return (
    <span className={`sync-badge ${connection}`} role="status" aria-live="polite" title={named?.explain ?? EXPLAIN[connection]} data-connection={connection}>
      <span className="dot" aria-hidden="true" />
      {named?.words ?? CONNECTION_WORDS[connection]}
      {unsaved}
    </span>
  );
}
