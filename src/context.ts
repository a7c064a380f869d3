import type { Identity } from "./auth/tokens.ts";
import type { Role } from "./storage/diagrams.ts";

/** What LiveShare knows about an authenticated document connection (Hocuspocus `context`). */
export interface ConnectionContext {
  user: Identity;
  role: Role;
  roomId: string;
  diagramId: string;
}

export function isConnectionContext(value: unknown): value is ConnectionContext {
  return typeof value === "object" && value !== null && "user" in value && "roomId" in value;
}
