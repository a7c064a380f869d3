/**
 * Constraint names a database would give, written out explicitly so that a later migration can name
 * them: PostgreSQL's `<table>_<columns>_fkey`, kept within the 63 characters both PostgreSQL and
 * MySQL allow. An import treats a key of exactly that name as unnamed, so names do not pile up.
 */
import { createHash } from "node:crypto";

const MAX = 63;

function fit(name: string): string {
  if (name.length <= MAX) return name;
  const hash = createHash("sha1").update(name).digest("hex").slice(0, 8);
  return `${name.slice(0, MAX - 9)}_${hash}`;
}

export function foreignKeyName(table: string, columns: readonly string[]): string {
  return fit(`${table}_${columns.join("_")}_fkey`);
}

export function primaryKeyName(table: string): string {
  return fit(`${table}_pkey`);
}

export function uniqueName(table: string, column: string): string {
  return fit(`${table}_${column}_key`);
}
