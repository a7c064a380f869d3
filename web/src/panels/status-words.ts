import type { ClientStatus, CloseReason } from "liveshare/client";

/** Activity as people say it. */
export const STATUS_WORDS = { active: "Active", idle: "Idle", away: "Away" } as const;

/** The sync badge's words for each connection state. */
export const CONNECTION_WORDS: Record<ClientStatus["connection"], string> = {
  connecting: "Connecting…",
  syncing: "Syncing",
  synced: "Synced",
  offline: "Offline",
  error: "Error",
};

/** What a closed connection means for the person looking at the page. */
export function closedWords(reason: CloseReason, fallback: string, unsaved = 0): { title: string; body: string } {
  const saved =
    unsaved === 0 ? "Your changes up to now are saved." : `${unsaved === 1 ? "1 change" : `${unsaved} changes`} you made just before it ended could not be saved.`;
  switch (reason) {
    case "access-revoked":
      return { title: "Your access was removed", body: "The owner of this diagram stopped sharing it with you. Ask them to share it again if you still need it." };
    case "session-ended":
      return { title: "This live session has ended", body: `The owner ended the session. ${saved}` };
    case "diagram-deleted":
      return { title: "This diagram was deleted", body: "Its owner deleted it, so there is nothing left to edit here." };
    default:
      return { title: "Disconnected", body: fallback };
  }
}
