import type { Identity } from "../auth/tokens.ts";
import type { Sql } from "./database.ts";

export interface User {
  id: string;
  name: string;
}

/** Users remembered as recorded by default: about 1.3 MB at ~134 bytes each. */
const MAX_RECORDED = 10_000;

/** Users are owned by the main application; LiveShare records each one the first time its token is seen. */
export class UserStore {
  /**
   * Users recorded by this process, so a busy user costs one write, not one per request: the most
   * recently seen `maxRecorded` of them (in insertion order, refreshed on use). Anyone who can mint
   * tokens — or any development client inventing usernames — can name new users without end, so an
   * unbounded map would grow for the life of the process; one forgotten costs one more write.
   */
  private readonly recorded = new Map<string, string>();

  constructor(
    private readonly sql: Sql,
    private readonly maxRecorded = MAX_RECORDED,
  ) {}

  /** How many users are remembered as recorded (at most `maxRecorded`). */
  get remembered(): number {
    return this.recorded.size;
  }

  async record(identity: Identity): Promise<void> {
    const user = { id: identity.userId, name: identity.name };
    if (this.recorded.get(user.id) === user.name) {
      // Most recently used last: the first in the map is the one to forget.
      this.recorded.delete(user.id);
      this.recorded.set(user.id, user.name);
      return;
    }
    await this.sql.query(
      `INSERT INTO users (id, name) VALUES ($1, $2)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, last_seen_at = now()`,
      [user.id, user.name],
    );
    this.recorded.delete(user.id);
    this.recorded.set(user.id, user.name);
    while (this.recorded.size > this.maxRecorded) this.recorded.delete(this.recorded.keys().next().value!);
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
