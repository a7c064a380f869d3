/**
 * DDL from a diagram: tables in dependency order, each with its columns, primary key, unique columns
 * and the foreign keys to tables created before it; foreign keys that close a cycle come afterwards
 * as `ALTER TABLE … ADD CONSTRAINT`.
 */
import type { ColumnJson, RelationshipValues, TableValues } from "../../schema-doc/index.ts";
import type { SchemaValues } from "../merge-plan.ts";
import type { Dialect } from "./dialect.ts";
import { quoteIdentifier } from "./identifiers.ts";
import { foreignKeyName, primaryKeyName, uniqueName } from "./names.ts";
import { creationOrder } from "./order.ts";
import { defaultFor, typeFor } from "./types.ts";

export function writeSql(schema: SchemaValues, dialect: Dialect): string {
  const q = (name: string) => quoteIdentifier(name, dialect.name);
  const tables = new Map(schema.tables.map((t) => [t.id, t]));
  const order = creationOrder(schema.tables, schema.relationships);
  const inKey = keyColumns(schema);
  const columnName = (tableId: string, columnId: string) => tables.get(tableId)?.columns.find((c) => c.id === columnId)?.name ?? columnId;
  const constraintNames = uniqueConstraintNames(schema.relationships, (r) =>
    foreignKeyName(tables.get(r.from_table)?.name ?? "", r.from_columns.map((c) => columnName(r.from_table, c))),
  );
  const indexes = dialect.name === "mysql" ? referencedIndexes(schema) : new Map<string, string[][]>();
  const inline = new Map<string, RelationshipValues[]>();
  for (const r of dialect.alterAddsForeignKeys ? order.inline : [...order.inline, ...order.deferred]) {
    inline.set(r.from_table, [...(inline.get(r.from_table) ?? []), r]);
  }
  const foreignKey = (r: RelationshipValues): string => {
    const target = tables.get(r.to_table) as TableValues;
    const name = constraintNames.get(r.id);
    let sql = `${name ? `CONSTRAINT ${q(name)} ` : ""}FOREIGN KEY (${r.from_columns.map((c) => q(columnName(r.from_table, c))).join(", ")}) REFERENCES ${q(target.name)} (${r.to_columns.map((c) => q(columnName(r.to_table, c))).join(", ")})`;
    const onDelete = r.on_delete && dialect.action(r.on_delete);
    const onUpdate = r.on_update && dialect.action(r.on_update);
    if (onDelete) sql += ` ON DELETE ${onDelete}`;
    if (onUpdate) sql += ` ON UPDATE ${onUpdate}`;
    return sql;
  };

  const statements: string[] = [];
  for (const table of order.tables) {
    const lines = table.columns.map((c) => `  ${columnSql(c, dialect, inKey.has(c.id), q)}`);
    const primary = table.columns.filter((c) => c.primary_key);
    // Named as PostgreSQL would name them, so that a migration can name them too.
    if (primary.length > 0) lines.push(`  CONSTRAINT ${q(primaryKeyName(table.name))} PRIMARY KEY (${primary.map((c) => q(c.name)).join(", ")})`);
    for (const c of table.columns) if (c.unique && !(c.primary_key && primary.length === 1)) lines.push(`  CONSTRAINT ${q(uniqueName(table.name, c.name))} UNIQUE (${q(c.name)})`);
    for (const columns of indexes.get(table.id) ?? []) lines.push(`  KEY (${columns.map((id) => q(columnName(table.id, id))).join(", ")})`);
    for (const r of inline.get(table.id) ?? []) lines.push(`  ${foreignKey(r)}`);
    statements.push(`CREATE TABLE ${q(table.name)} (\n${lines.join(",\n")}\n)${dialect.tableSuffix?.(table) ?? ""};`);
    for (const comment of dialect.comments?.(table) ?? []) statements.push(comment);
  }
  if (dialect.alterAddsForeignKeys) {
    for (const r of order.deferred) statements.push(`ALTER TABLE ${q((tables.get(r.from_table) as TableValues).name)} ADD ${foreignKey(r)};`);
  }
  return `${statements.map((s) => `${s}${dialect.terminator}`).join("\n\n")}\n`;
}

function columnSql(column: ColumnJson, dialect: Dialect, inKey: boolean, q: (name: string) => string): string {
  const type = typeFor(column.type, dialect.name, inKey || column.primary_key || column.unique);
  let sql = `${q(column.name)} ${type}`;
  if (!column.nullable || column.primary_key) sql += " NOT NULL";
  const value = column.default === undefined ? undefined : defaultFor(column.default, dialect.name, type);
  if (value !== undefined) sql += ` DEFAULT ${value}`;
  const comment = dialect.inlineColumnComment?.(column);
  if (comment) sql += ` ${comment}`;
  return sql;
}

/** Columns in a foreign key, either end (MySQL needs a bounded type there). */
function keyColumns(schema: SchemaValues): Set<string> {
  const ids = new Set<string>();
  for (const r of schema.relationships) for (const id of [...r.from_columns, ...r.to_columns]) ids.add(id);
  return ids;
}

/**
 * Foreign key names: the relationship's own, or the default one; a repeat is left unnamed (MySQL
 * wants them unique in the whole database).
 */
function uniqueConstraintNames(relationships: readonly RelationshipValues[], fallback: (r: RelationshipValues) => string): Map<string, string> {
  const seen = new Set<string>();
  const names = new Map<string, string>();
  for (const r of relationships) {
    const name = r.name ?? fallback(r);
    if (seen.has(name.toLowerCase())) continue;
    seen.add(name.toLowerCase());
    names.set(r.id, name);
  }
  return names;
}

/**
 * MySQL refuses a foreign key whose referenced columns lead no index: such columns (neither the
 * primary key's first columns nor a unique column) get a plain KEY in their table.
 */
function referencedIndexes(schema: SchemaValues): Map<string, string[][]> {
  const tables = new Map(schema.tables.map((t) => [t.id, t]));
  const result = new Map<string, string[][]>();
  for (const r of schema.relationships) {
    const table = tables.get(r.to_table);
    if (!table) continue;
    const primary = table.columns.filter((c) => c.primary_key).map((c) => c.id);
    const led = r.to_columns.every((id, i) => primary[i] === id);
    const unique = r.to_columns.length === 1 && table.columns.some((c) => c.id === r.to_columns[0] && c.unique);
    const known = (result.get(table.id) ?? []).some((cols) => r.to_columns.every((id, i) => cols[i] === id));
    if (!led && !unique && !known) result.set(table.id, [...(result.get(table.id) ?? []), [...r.to_columns]]);
  }
  return result;
}
