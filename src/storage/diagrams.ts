import { randomUUID } from "node:crypto";
import type { Sql } from "./database.ts";
import { iso } from "./sql.ts";

export type SharePermission = "view" | "edit";
export type Role = "owner" | "editor" | "viewer";

export interface Diagram {
  id: string;
  name: string;
  owner_id: string;
  created_at: string;
  updated_at: string;
}

export interface Share {
  user_id: string;
  permission: SharePermission;
  created_at: string;
}

const DIAGRAM_COLUMNS = `id, name, owner_id, ${iso("created_at")}, ${iso("updated_at")}`;

export class DiagramStore {
  constructor(private readonly sql: Sql) {}

  async create(name: string, ownerId: string): Promise<Diagram> {
    const [row] = await this.sql.query<Diagram>(
      `INSERT INTO diagrams (id, name, owner_id) VALUES ($1, $2, $3) RETURNING ${DIAGRAM_COLUMNS}`,
      [randomUUID(), name, ownerId],
    );
    return row!;
  }

  async get(id: string): Promise<Diagram | undefined> {
    const [row] = await this.sql.query<Diagram>(`SELECT ${DIAGRAM_COLUMNS} FROM diagrams WHERE id = $1`, [id]);
    return row;
  }

  /** Deletes the diagram; its shares, sessions, document and log go with it (ON DELETE CASCADE). */
  async delete(id: string): Promise<boolean> {
    const rows = await this.sql.query("DELETE FROM diagrams WHERE id = $1 RETURNING id", [id]);
    return rows.length > 0;
  }

  async touch(id: string): Promise<void> {
    await this.sql.query("UPDATE diagrams SET updated_at = now() WHERE id = $1", [id]);
  }

  /** The user's role on the diagram, or undefined when the user has no access. */
  async roleOf(diagramId: string, userId: string): Promise<Role | undefined> {
    const [row] = await this.sql.query<{ owner_id: string; permission: SharePermission | null }>(
      `SELECT d.owner_id, s.permission
         FROM diagrams d LEFT JOIN diagram_shares s ON s.diagram_id = d.id AND s.user_id = $2
        WHERE d.id = $1`,
      [diagramId, userId],
    );
    if (!row) return undefined;
    if (row.owner_id === userId) return "owner";
    if (row.permission === "edit") return "editor";
    if (row.permission === "view") return "viewer";
    return undefined;
  }

  async share(diagramId: string, userId: string, permission: SharePermission): Promise<Share> {
    const [row] = await this.sql.query<Share>(
      `INSERT INTO diagram_shares (diagram_id, user_id, permission) VALUES ($1, $2, $3)
       ON CONFLICT (diagram_id, user_id) DO UPDATE SET permission = EXCLUDED.permission
       RETURNING user_id, permission, ${iso("created_at")}`,
      [diagramId, userId, permission],
    );
    return row!;
  }

  async unshare(diagramId: string, userId: string): Promise<boolean> {
    const rows = await this.sql.query("DELETE FROM diagram_shares WHERE diagram_id = $1 AND user_id = $2 RETURNING user_id", [
      diagramId,
      userId,
    ]);
    return rows.length > 0;
  }

  async shares(diagramId: string): Promise<Share[]> {
    return this.sql.query<Share>(
      `SELECT user_id, permission, ${iso("created_at")} FROM diagram_shares WHERE diagram_id = $1 ORDER BY created_at`,
      [diagramId],
    );
  }
}
