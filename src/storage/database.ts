/** A row-returning SQL runner: the one thing storage code needs from a connection. */
export interface Sql {
  query<Row = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(script: string): Promise<void>;
}

/**
 * The database LiveShare stores to. PostgreSQL and embedded PGlite run the same SQL; only how the
 * connection is made differs (see `postgres.ts` and `pglite.ts`).
 */
export interface Database extends Sql {
  readonly kind: "postgres" | "pglite";
  /** Runs `fn` in one transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  /** Answers when the database is reachable (for `/readyz`). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
