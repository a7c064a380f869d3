import type { Identity } from "../auth/tokens.ts";
import type { Sql } from "./database.ts";

export interface User {
  id: string;
  name: string;
}

/** Users are owned by the main application; LiveShare records each one the first time its token is seen. */
export class UserStore {
  /** Users recorded by this process, so a busy user costs one write, not one per request. */
  private readonly recorded = new Map<string, string>();

  constructor(private readonly sql: Sql) {}

  async record(identity: Identity): Promise<void> {
    const user = { id: identity.userId, name: identity.name };
    if (this.recorded.get(user.id) === user.name) return;
    await this.sql.query(
      `INSERT INTO users (id, name) VALUES ($1, $2)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, last_seen_at = now()`,
      [user.id, user.name],
    );
    this.recorded.set(user.id, user.name);
  }

  async get(id: string): Promise<User | undefined> {
    const [row] = await this.sql.query<User>("SELECT id, name FROM users WHERE id = $1", [id]);
    return row;
  }

  async names(ids: readonly string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.sql.query<User>("SELECT id, name FROM users WHERE id = ANY($1::uuid[])", [ids]);
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  /**
   * Users whose name starts with `prefix` (case-insensitive), by name, at most `limit`: what the share
   * dialog shows. Only users this server has seen sign in are known, and only id and name are told.
   */
  async search(prefix: string, limit: number): Promise<User[]> {
    const pattern = `${prefix.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    return this.sql.query<User>("SELECT id, name FROM users WHERE lower(name) LIKE $1 ORDER BY lower(name), id LIMIT $2", [pattern, limit]);
  }
}
