import type { Identity } from "../auth/tokens.ts";
import type { Role } from "../storage/diagrams.ts";

/** What LiveShare knows about an authenticated document connection (Hocuspocus `context`). */
export interface ConnectionContext {
  user: Identity;
  role: Role;
  roomId: string;
  diagramId: string;
  /**
   * `LiveRooms.accessEpoch` when `role` was looked up, until the connection is confirmed as a room
   * member with its current role (then undefined).
   */
  admittedAt?: number | undefined;
}

export function isConnectionContext(value: unknown): value is ConnectionContext {
  return typeof value === "object" && value !== null && "user" in value && "roomId" in value;
}
