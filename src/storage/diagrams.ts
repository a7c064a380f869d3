import { randomUUID } from "node:crypto";
import * as Y from "yjs";
import { initMeta } from "../schema-doc/index.ts";
import type { Database } from "./database.ts";
import { iso } from "./sql.ts";

export type SharePermission = "view" | "edit";
export type Role = "owner" | "editor" | "viewer";
/** What the diagram's link gives anyone signed in who opens it. */
export type LinkAccess = "none" | SharePermission;
export const LINK_ACCESS = ["none", "view", "edit"] as const satisfies readonly LinkAccess[];

export interface Diagram {
  id: string;
  name: string;
  owner_id: string;
  link_access: LinkAccess;
  created_at: string;
  updated_at: string;
}

export interface Share {
  user_id: string;
  permission: SharePermission;
  created_at: string;
}

/** Where a page of the diagram list ends: the last diagram's change time (microseconds) and id. */
export interface ListCursor {
  at: string;
  id: string;
}

/** A diagram as its list shows it to one user. */
export interface ListedDiagram extends Diagram {
  role: Role;
  /** How the user has access: their own diagram, a share, or the link (the higher of share and link wins). */
  access: "owner" | "share" | "link";
  active_room_id: string | null;
}

/**
 * When the diagram last changed: renamed, or edited (the update log, and once compacted the per-minute
 * edit activity), so a list sorted by it shows the diagram people just worked on first.
 */
const LAST_CHANGE = `GREATEST(d.updated_at,
  (SELECT max(u.created_at) FROM diagram_updates u WHERE u.diagram_id = d.id),
  (SELECT max(a.minute) FROM diagram_edit_activity a WHERE a.diagram_id = d.id))`;
const DIAGRAM_COLUMNS = `d.id, d.name, d.owner_id, d.link_access, ${iso("d.created_at", "created_at")}, ${iso(LAST_CHANGE, "updated_at")}`;

/**
 * The role a user has on a diagram: the owner is owner; anyone else gets the higher of their share
 * and the link's access (undefined when both give nothing).
 */
export function roleFrom(ownerId: string, permission: SharePermission | null, userId: string, link: LinkAccess = "none"): Role | undefined {
  if (ownerId === userId) return "owner";
  if (permission === "edit" || link === "edit") return "editor";
  if (permission === "view" || link === "view") return "viewer";
  return undefined;
}

export class DiagramStore {
  constructor(private readonly db: Database) {}

  /**
   * Creates the diagram and its document, whose `meta` map holds `name` and `schema_version` from
   * the start (schema document v1), so a Yjs client reads them before anyone has edited.
   */
  async create(name: string, ownerId: string): Promise<Diagram> {
    const doc = new Y.Doc();
    initMeta(doc, name);
    const state = Y.encodeStateAsUpdateV2(doc);
    doc.destroy();
    return this.db.transaction(async (tx) => {
      const [row] = await tx.query<Diagram>(`INSERT INTO diagrams AS d (id, name, owner_id) VALUES ($1, $2, $3) RETURNING ${DIAGRAM_COLUMNS}`, [
        randomUUID(),
        name,
        ownerId,
      ]);
      await tx.query("INSERT INTO diagram_documents (diagram_id, state, state_encoding) VALUES ($1, $2, 'v2')", [row!.id, state]);
      return row!;
    });
  }

  async get(id: string): Promise<Diagram | undefined> {
    const [row] = await this.db.query<Diagram>(`SELECT ${DIAGRAM_COLUMNS} FROM diagrams d WHERE d.id = $1`, [id]);
    return row;
  }

  /** Renames the diagram (the row; the document's `meta.name` is the caller's to follow). */
  async rename(id: string, name: string): Promise<Diagram | undefined> {
    const rows = await this.db.query("UPDATE diagrams SET name = $2, updated_at = now() WHERE id = $1 RETURNING id", [id, name]);
    return rows.length > 0 ? this.get(id) : undefined;
  }

  async setLinkAccess(id: string, linkAccess: LinkAccess): Promise<Diagram | undefined> {
    const rows = await this.db.query("UPDATE diagrams SET link_access = $2 WHERE id = $1 RETURNING id", [id, linkAccess]);
    return rows.length > 0 ? this.get(id) : undefined;
  }

  /** Deletes the diagram; its shares, sessions, document and log go with it (ON DELETE CASCADE). */
  async delete(id: string): Promise<boolean> {
    const rows = await this.db.query("DELETE FROM diagrams WHERE id = $1 RETURNING id", [id]);
    return rows.length > 0;
  }

  async touch(id: string): Promise<void> {
    await this.db.query("UPDATE diagrams SET updated_at = now() WHERE id = $1", [id]);
  }

  /** The user's role on the diagram (owner, share or link), or undefined when the user has no access. */
  async roleOf(diagramId: string, userId: string): Promise<Role | undefined> {
    const [row] = await this.db.query<{ owner_id: string; permission: SharePermission | null; link_access: LinkAccess }>(
      `SELECT d.owner_id, s.permission, d.link_access
         FROM diagrams d LEFT JOIN diagram_shares s ON s.diagram_id = d.id AND s.user_id = $2
        WHERE d.id = $1`,
      [diagramId, userId],
    );
    return row ? roleFrom(row.owner_id, row.permission, userId, row.link_access) : undefined;
  }

  /** Remembers that the user opened the diagram through its link (it then shows in their list). */
  async recordLinkVisit(diagramId: string, userId: string): Promise<void> {
    await this.db.query(
      `INSERT INTO diagram_link_visits (diagram_id, user_id) VALUES ($1, $2)
       ON CONFLICT (user_id, diagram_id) DO UPDATE SET last_opened_at = now()`,
      [diagramId, userId],
    );
  }

  /**
   * The user's diagrams — owned, shared with them, and opened through a link that still gives
   * access — most recently updated first, `limit` at a time after the `after` cursor.
   */
  async listFor(userId: string, options: { limit: number; after?: ListCursor | undefined }): Promise<{ diagrams: ListedDiagram[]; next: ListCursor | null }> {
    const rows = await this.db.query<Diagram & { permission: SharePermission | null; active_room_id: string | null; cursor_at: string }>(
      `SELECT ${DIAGRAM_COLUMNS}, s.permission, ls.id AS active_room_id,
              to_char(${LAST_CHANGE} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at
         FROM diagrams d
         LEFT JOIN diagram_shares s ON s.diagram_id = d.id AND s.user_id = $1
         LEFT JOIN diagram_link_visits v ON v.diagram_id = d.id AND v.user_id = $1
         LEFT JOIN liveshare_sessions ls ON ls.diagram_id = d.id AND ls.ended_at IS NULL
        WHERE (d.owner_id = $1 OR s.user_id IS NOT NULL OR (v.user_id IS NOT NULL AND d.link_access <> 'none'))
          AND ($2::timestamptz IS NULL OR (${LAST_CHANGE}, d.id) < ($2::timestamptz, $3::uuid))
        ORDER BY ${LAST_CHANGE} DESC, d.id DESC
        LIMIT $4`,
      [userId, options.after?.at ?? null, options.after?.id ?? null, options.limit + 1],
    );
    const page = rows.slice(0, options.limit);
    const last = page.at(-1);
    const diagrams = page.map(({ permission, cursor_at: _cursor, ...diagram }) => {
      const role = roleFrom(diagram.owner_id, permission, userId, diagram.link_access)!;
      const access: ListedDiagram["access"] = role === "owner" ? "owner" : roleFrom(diagram.owner_id, permission, userId) === role ? "share" : "link";
      return { ...diagram, role, access };
    });
    return { diagrams, next: rows.length > options.limit && last ? { at: last.cursor_at, id: last.id } : null };
  }

  async share(diagramId: string, userId: string, permission: SharePermission): Promise<Share> {
    const [row] = await this.db.query<Share>(
      `INSERT INTO diagram_shares (diagram_id, user_id, permission) VALUES ($1, $2, $3)
       ON CONFLICT (diagram_id, user_id) DO UPDATE SET permission = EXCLUDED.permission
       RETURNING user_id, permission, ${iso("created_at")}`,
      [diagramId, userId, permission],
    );
    return row!;
  }

  async unshare(diagramId: string, userId: string): Promise<boolean> {
    const rows = await this.db.query("DELETE FROM diagram_shares WHERE diagram_id = $1 AND user_id = $2 RETURNING user_id", [
      diagramId,
      userId,
    ]);
    return rows.length > 0;
  }

  /** The diagram's shares with the user's name where this server has seen the user sign in. */
  async shares(diagramId: string): Promise<(Share & { name: string | null })[]> {
    return this.db.query<Share & { name: string | null }>(
      `SELECT s.user_id, u.name, s.permission, ${iso("s.created_at", "created_at")}
         FROM diagram_shares s LEFT JOIN users u ON u.id = s.user_id
        WHERE s.diagram_id = $1 ORDER BY s.created_at, s.user_id`,
      [diagramId],
    );
  }

  /** Every explicit share of the diagram, by user id (what a link change is combined with). */
  async permissions(diagramId: string): Promise<Record<string, SharePermission>> {
    const rows = await this.db.query<{ user_id: string; permission: SharePermission }>("SELECT user_id, permission FROM diagram_shares WHERE diagram_id = $1", [diagramId]);
    return Object.fromEntries(rows.map((r) => [r.user_id, r.permission]));
  }
}
