/**
 * The SQL that takes a database built from one version of a diagram (by this server's export) to
 * another: foreign keys that go or change are dropped first, tables dropped, renames done as
 * renames, tables created, columns added, altered and dropped, keys re-declared, and foreign keys
 * added last. Constraint names are the ones the export writes (`names.ts`).
 */
import type { ColumnJson, RelationshipValues, TableValues } from "../../schema-doc/index.ts";
import type { SchemaDiff } from "../diff.ts";
import type { SchemaValues } from "../merge-plan.ts";
import { mysql } from "./mysql.ts";
import { quoteIdentifier, quoteString } from "./identifiers.ts";
import { foreignKeyName, primaryKeyName, uniqueName } from "./names.ts";
import { postgres } from "./postgres.ts";
import { defaultFor, typeFor } from "./types.ts";
import { writeSql } from "./write-sql.ts";

export type MigrationDialect = "postgres" | "mysql";

export function migrationSql(diff: SchemaDiff, from: SchemaValues, to: SchemaValues, dialect: MigrationDialect): string {
  const q = (name: string) => quoteIdentifier(name, dialect);
  const oldTables = new Map(from.tables.map((t) => [t.id, t]));
  const newTables = new Map(to.tables.map((t) => [t.id, t]));
  const statements: string[] = [];
  const fkName = (r: RelationshipValues, tables: Map<string, TableValues>) => {
    const table = tables.get(r.from_table) as TableValues;
    return r.name ?? foreignKeyName(table.name, r.from_columns.map((id) => table.columns.find((c) => c.id === id)?.name ?? id));
  };
  const removedTables = new Set(diff.tables.removed.map((t) => t.id));
  // Keys a changed primary or unique key holds up (the database refuses to drop the index under a
  // foreign key): dropped with the others and declared again at the end.
  const rekeyed = rekeyedTables(from, to);
  const held = from.relationships.filter(
    (r) => to.relationships.some((n) => n.id === r.id) && !diff.relationships.changed.some((c) => c.id === r.id) && (rekeyed.has(r.from_table) || rekeyed.has(r.to_table)),
  );
  const heldAgain = held.map((r) => to.relationships.find((n) => n.id === r.id) as RelationshipValues);

  // 1. Foreign keys that go or change, while their tables and columns still have their old names.
  for (const r of [...diff.relationships.removed, ...diff.relationships.changed.map((c) => c.from), ...held]) {
    if (removedTables.has(r.from_table)) continue;
    const table = oldTables.get(r.from_table) as TableValues;
    statements.push(dialect === "mysql" ? `ALTER TABLE ${q(table.name)} DROP FOREIGN KEY ${q(fkName(r, oldTables))};` : `ALTER TABLE ${q(table.name)} DROP CONSTRAINT ${q(fkName(r, oldTables))};`);
  }
  // 2. Tables that go (their remaining keys go with them).
  for (const table of diff.tables.removed) statements.push(`DROP TABLE ${q(table.name)}${dialect === "postgres" ? " CASCADE" : ""};`);
  // 3. Renames.
  for (const rename of diff.tables.renamed) statements.push(`ALTER TABLE ${q(rename.from)} RENAME TO ${q(rename.to)};`);
  for (const rename of diff.columns.renamed) statements.push(`ALTER TABLE ${q(rename.table)} RENAME COLUMN ${q(rename.from)} TO ${q(rename.to)};`);
  // 4. New tables, without their foreign keys (added in step 7 with every other new key).
  if (diff.tables.added.length > 0) {
    const created = writeSql({ tables: diff.tables.added, relationships: [] }, dialect === "mysql" ? mysql : postgres).trim();
    statements.push(created);
  }
  // 5. Columns and keys of tables that stay.
  for (const table of to.tables) {
    const old = oldTables.get(table.id);
    if (!old) continue;
    statements.push(...tableChanges(old, table, diff, dialect, q));
  }
  for (const change of diff.tables.recommented) {
    const text = change.to ?? "";
    statements.push(dialect === "mysql" ? `ALTER TABLE ${q(change.name)} COMMENT = ${quoteString(text, "mysql")};` : `COMMENT ON TABLE ${q(change.name)} IS ${change.to === undefined ? "NULL" : quoteString(text, "postgres")};`);
  }
  // 6. Foreign keys that are new or changed.
  for (const r of [...diff.relationships.added, ...diff.relationships.changed.map((c) => c.to), ...heldAgain]) {
    const table = newTables.get(r.from_table) as TableValues;
    const target = newTables.get(r.to_table) as TableValues;
    const names = (t: TableValues, ids: string[]) => ids.map((id) => q(t.columns.find((c) => c.id === id)?.name ?? id)).join(", ");
    let sql = `ALTER TABLE ${q(table.name)} ADD CONSTRAINT ${q(fkName(r, newTables))} FOREIGN KEY (${names(table, r.from_columns)}) REFERENCES ${q(target.name)} (${names(target, r.to_columns)})`;
    const action = (dialect === "mysql" ? mysql : postgres).action;
    if (r.on_delete) sql += ` ON DELETE ${action(r.on_delete)}`;
    if (r.on_update) sql += ` ON UPDATE ${action(r.on_update)}`;
    statements.push(`${sql};`);
  }
  return statements.length === 0 ? "-- no changes\n" : `${statements.join("\n\n")}\n`;
}

/** Tables (by id) in both versions whose primary key or unique columns differ. */
function rekeyedTables(from: SchemaValues, to: SchemaValues): Set<string> {
  const keys = (t: TableValues) => JSON.stringify([t.columns.filter((c) => c.primary_key).map((c) => c.id), t.columns.filter((c) => c.unique).map((c) => c.id).sort()]);
  const before = new Map(from.tables.map((t) => [t.id, keys(t)]));
  return new Set(to.tables.filter((t) => before.has(t.id) && before.get(t.id) !== keys(t)).map((t) => t.id));
}

/** Column additions, alterations and drops of one table, then its primary key and unique columns. */
function tableChanges(old: TableValues, table: TableValues, diff: SchemaDiff, dialect: MigrationDialect, q: (name: string) => string): string[] {
  const out: string[] = [];
  const t = q(table.name);
  const oldPrimary = old.columns.filter((c) => c.primary_key).map((c) => c.id);
  const newPrimary = table.columns.filter((c) => c.primary_key).map((c) => c.id);
  const primaryChanged = oldPrimary.join() !== newPrimary.join();
  // The old primary key goes before columns change (a dropped column may be in it).
  if (primaryChanged && oldPrimary.length > 0) out.push(dialect === "mysql" ? `ALTER TABLE ${t} DROP PRIMARY KEY;` : `ALTER TABLE ${t} DROP CONSTRAINT ${q(primaryKeyName(old.name))};`);
  const oldUnique = (c: ColumnJson) => c.unique && !(c.primary_key && oldPrimary.length === 1);
  const newUnique = (c: ColumnJson) => c.unique && !(c.primary_key && newPrimary.length === 1);
  const oldColumns = new Map(old.columns.map((c) => [c.id, c]));
  for (const column of old.columns) {
    const next = table.columns.find((c) => c.id === column.id);
    if (oldUnique(column) && (!next || !newUnique(next))) {
      const name = q(uniqueName(old.name, column.name));
      out.push(dialect === "mysql" ? `ALTER TABLE ${t} DROP INDEX ${name};` : `ALTER TABLE ${t} DROP CONSTRAINT ${name};`);
    }
  }
  for (const removed of diff.columns.removed.filter((c) => c.table_id === table.id)) out.push(`ALTER TABLE ${t} DROP COLUMN ${q(removed.name)};`);
  for (const added of diff.columns.added.filter((c) => c.table_id === table.id)) {
    out.push(`ALTER TABLE ${t} ADD COLUMN ${columnDefinition(added, dialect, q)};`);
    if (dialect === "postgres" && added.comment) out.push(`COMMENT ON COLUMN ${t}.${q(added.name)} IS ${quoteString(added.comment, "postgres")};`);
  }
  for (const change of diff.columns.changed.filter((c) => c.table_id === table.id)) {
    const c = q(change.to.name);
    if (dialect === "mysql") {
      if (change.fields.some((f) => f !== "primary_key" && f !== "unique")) out.push(`ALTER TABLE ${t} MODIFY COLUMN ${columnDefinition(change.to, dialect, q)};`);
      continue;
    }
    const type = typeFor(change.to.type, "postgres");
    if (change.fields.includes("type")) out.push(`ALTER TABLE ${t} ALTER COLUMN ${c} TYPE ${type} USING ${c}::${type};`);
    if (change.fields.includes("nullable") || (change.fields.includes("primary_key") && !change.to.nullable)) {
      out.push(`ALTER TABLE ${t} ALTER COLUMN ${c} ${change.to.nullable && !change.to.primary_key ? "DROP" : "SET"} NOT NULL;`);
    }
    if (change.fields.includes("default")) {
      const value = change.to.default === undefined ? undefined : defaultFor(change.to.default, "postgres", type);
      out.push(value === undefined ? `ALTER TABLE ${t} ALTER COLUMN ${c} DROP DEFAULT;` : `ALTER TABLE ${t} ALTER COLUMN ${c} SET DEFAULT ${value};`);
    }
    if (change.fields.includes("comment")) out.push(`COMMENT ON COLUMN ${t}.${c} IS ${change.to.comment === undefined ? "NULL" : quoteString(change.to.comment, "postgres")};`);
  }
  if (primaryChanged && newPrimary.length > 0) {
    const names = newPrimary.map((id) => q(table.columns.find((c) => c.id === id)?.name ?? id)).join(", ");
    out.push(`ALTER TABLE ${t} ADD CONSTRAINT ${q(primaryKeyName(table.name))} PRIMARY KEY (${names});`);
  }
  for (const column of table.columns) {
    const previous = oldColumns.get(column.id);
    if (newUnique(column) && (!previous || !oldUnique(previous))) out.push(`ALTER TABLE ${t} ADD CONSTRAINT ${q(uniqueName(table.name, column.name))} UNIQUE (${q(column.name)});`);
  }
  return out;
}

function columnDefinition(column: ColumnJson, dialect: MigrationDialect, q: (name: string) => string): string {
  const type = typeFor(column.type, dialect, column.primary_key || column.unique);
  let sql = `${q(column.name)} ${type}`;
  if (!column.nullable || column.primary_key) sql += " NOT NULL";
  const value = column.default === undefined ? undefined : defaultFor(column.default, dialect, type);
  if (value !== undefined) sql += ` DEFAULT ${value}`;
  // PostgreSQL's column comments are separate statements (COMMENT ON).
  if (dialect === "mysql" && column.comment) sql += ` COMMENT ${quoteString(column.comment, "mysql")}`;
  return sql;
}
