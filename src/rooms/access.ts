import { CloseCode, CloseReason, Refusal } from "../close-codes.ts";
import type { Sql } from "../storage/database.ts";
import { roleFrom, type LinkAccess, type Role, type SharePermission } from "../storage/diagrams.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

export interface RoomAccess {
  roomId: string;
  diagramId: string;
  role: Role;
}

/**
 * Who may do what: owner, editor or viewer — the higher of the user's share and the diagram's link
 * access (`storage/diagrams.ts`, `roleFrom`); answered from the database each time.
 */
export class Access {
  /** Room id → diagram id; a session's diagram never changes, so this is safe to keep. */
  private readonly diagramOfRoom = new Map<string, string>();

  constructor(private readonly sql: Sql) {}

  /** The user's access to a live room, or a Refusal saying why not. */
  async toRoom(roomId: string, userId: string): Promise<RoomAccess> {
    // Only the canonical (lowercase) spelling: PostgreSQL would match "ABC…" to the room "abc…", and
    // Hocuspocus would load it as a second document of the same diagram, out of reach of the first's
    // edits and of session-end disconnects.
    if (!isUuid(roomId) || roomId !== roomId.toLowerCase()) {
      throw new Refusal(CloseCode.BadRequest, CloseReason.InvalidRoomId, "room ids are lowercase UUIDs");
    }
    const [row] = await this.sql.query<{ diagram_id: string; ended: boolean; owner_id: string; permission: SharePermission | null; link_access: LinkAccess }>(
      `SELECT s.diagram_id, s.ended_at IS NOT NULL AS ended, d.owner_id, sh.permission, d.link_access
         FROM liveshare_sessions s
         JOIN diagrams d ON d.id = s.diagram_id
         LEFT JOIN diagram_shares sh ON sh.diagram_id = d.id AND sh.user_id = $2
        WHERE s.id = $1`,
      [roomId, userId],
    );
    if (!row) throw new Refusal(CloseCode.NotFound, CloseReason.UnknownRoom, "no such room");
    if (row.ended) throw new Refusal(CloseCode.Gone, CloseReason.SessionEnded, "the session has ended");
    const role = roleFrom(row.owner_id, row.permission, userId, row.link_access);
    if (!role) throw new Refusal(CloseCode.Forbidden, CloseReason.PermissionDenied, "no access to this diagram");
    // Joining through the link counts as opening it: the diagram then shows in the user's list.
    if (role !== roleFrom(row.owner_id, row.permission, userId)) {
      await this.sql.query(
        `INSERT INTO diagram_link_visits (diagram_id, user_id) VALUES ($1, $2)
         ON CONFLICT (user_id, diagram_id) DO UPDATE SET last_opened_at = now()`,
        [row.diagram_id, userId],
      );
    }
    this.diagramOfRoom.set(roomId, row.diagram_id);
    return { roomId, diagramId: row.diagram_id, role };
  }

  /** The diagram behind a room id (any session, ended or not), or undefined. */
  async diagramOf(roomId: string): Promise<string | undefined> {
    const known = this.diagramOfRoom.get(roomId);
    if (known) return known;
    if (!isUuid(roomId)) return undefined;
    const [row] = await this.sql.query<{ diagram_id: string }>("SELECT diagram_id FROM liveshare_sessions WHERE id = $1", [roomId]);
    if (row) this.diagramOfRoom.set(roomId, row.diagram_id);
    return row?.diagram_id;
  }

  forget(roomId: string): void {
    this.diagramOfRoom.delete(roomId);
  }

  /**
   * Forgets every room of a deleted diagram, so that storage finds no diagram behind them: a room
   * still in memory with a store pending would otherwise try to store into the deleted diagram, fail,
   * and be kept in memory for ever by Hocuspocus (which also makes shutdown wait for ever).
   */
  forgetDiagram(diagramId: string): void {
    for (const [roomId, diagram] of this.diagramOfRoom) if (diagram === diagramId) this.diagramOfRoom.delete(roomId);
  }
}

export { roleFrom };

export const canEdit = (role: Role | undefined): boolean => role === "owner" || role === "editor";
