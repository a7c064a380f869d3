/**
 * What changed between two versions of a diagram, matched by id — so a renamed table or column is a
 * rename, not a drop and a create. Pure: the inputs are the two versions as JSON.
 */
import type { ColumnJson, RelationshipValues, TableValues } from "../schema-doc/index.ts";
import type { SchemaValues } from "./merge-plan.ts";

export interface Rename {
  id: string;
  from: string;
  to: string;
}

export interface ColumnChange {
  id: string;
  table_id: string;
  name: string;
  /** The fields that differ: `type`, `nullable`, `default`, `primary_key`, `unique`, `comment`. */
  fields: string[];
  from: ColumnJson;
  to: ColumnJson;
}

export interface SchemaDiff {
  tables: {
    added: TableValues[];
    removed: TableValues[];
    renamed: Rename[];
    /** Tables whose comment changed. */
    recommented: { id: string; name: string; from?: string; to?: string }[];
  };
  columns: {
    added: (ColumnJson & { table_id: string; table: string })[];
    removed: (ColumnJson & { table_id: string; table: string })[];
    renamed: (Rename & { table_id: string; table: string })[];
    changed: ColumnChange[];
  };
  relationships: {
    added: RelationshipValues[];
    removed: RelationshipValues[];
    changed: { id: string; from: RelationshipValues; to: RelationshipValues }[];
  };
  /** Whether anything changed at all (layout, colours and column order are not schema changes). */
  changed: boolean;
}

const COLUMN_FIELDS = ["type", "nullable", "default", "primary_key", "unique", "comment"] as const;

/** The difference from `from` to `to`. Positions, colours and column order are ignored. */
export function diffSchemas(from: SchemaValues, to: SchemaValues): SchemaDiff {
  const diff: SchemaDiff = {
    tables: { added: [], removed: [], renamed: [], recommented: [] },
    columns: { added: [], removed: [], renamed: [], changed: [] },
    relationships: { added: [], removed: [], changed: [] },
    changed: false,
  };
  const before = new Map(from.tables.map((t) => [t.id, t]));
  const after = new Map(to.tables.map((t) => [t.id, t]));
  for (const table of from.tables) if (!after.has(table.id)) diff.tables.removed.push(table);
  for (const table of to.tables) {
    const old = before.get(table.id);
    if (!old) {
      diff.tables.added.push(table);
      continue;
    }
    if (old.name !== table.name) diff.tables.renamed.push({ id: table.id, from: old.name, to: table.name });
    if ((old.comment ?? "") !== (table.comment ?? "")) diff.tables.recommented.push({ id: table.id, name: table.name, from: old.comment, to: table.comment });
    diffColumns(old, table, diff);
  }
  const relationshipsBefore = new Map(from.relationships.map((r) => [r.id, r]));
  const relationshipsAfter = new Map(to.relationships.map((r) => [r.id, r]));
  for (const r of from.relationships) if (!relationshipsAfter.has(r.id)) diff.relationships.removed.push(r);
  for (const r of to.relationships) {
    const old = relationshipsBefore.get(r.id);
    if (!old) diff.relationships.added.push(r);
    else if (relationshipKey(old) !== relationshipKey(r)) diff.relationships.changed.push({ id: r.id, from: old, to: r });
  }
  diff.changed = [diff.tables, diff.columns, diff.relationships].some((group) => Object.values(group).some((list) => list.length > 0));
  return diff;
}

function diffColumns(old: TableValues, table: TableValues, diff: SchemaDiff): void {
  const before = new Map(old.columns.map((c) => [c.id, c]));
  const after = new Map(table.columns.map((c) => [c.id, c]));
  const where = { table_id: table.id, table: table.name };
  for (const column of old.columns) if (!after.has(column.id)) diff.columns.removed.push({ ...column, ...where });
  for (const column of table.columns) {
    const previous = before.get(column.id);
    if (!previous) {
      diff.columns.added.push({ ...column, ...where });
      continue;
    }
    if (previous.name !== column.name) diff.columns.renamed.push({ id: column.id, from: previous.name, to: column.name, ...where });
    const fields = COLUMN_FIELDS.filter((f) => (previous[f] ?? null) !== (column[f] ?? null));
    if (fields.length > 0) diff.columns.changed.push({ id: column.id, table_id: table.id, name: column.name, fields, from: previous, to: column });
  }
}

function relationshipKey(r: RelationshipValues): string {
  return JSON.stringify([r.from_table, r.from_columns, r.to_table, r.to_columns, r.cardinality, r.on_delete ?? null, r.on_update ?? null, r.name ?? null]);
}
