/** Shared by the schema-io tests: fixtures, importing into an empty diagram, and shapes to compare. */
import { readFileSync } from "node:fs";
import type { SchemaJson } from "../../src/schema-doc/index.ts";
import { planImport, type SchemaValues } from "../../src/schema-io/merge-plan.ts";
import type { ImportFormat } from "../../src/schema-io/model.ts";
import { parseSchema } from "../../src/schema-io/parse/index.ts";

export const FIXTURES: Record<ImportFormat, string> = {
  postgres: "shop.postgres.sql",
  mysql: "blog.mysql.sql",
  sqlite: "notes.sqlite.sql",
  mssql: "crm.mssql.sql",
  dbml: "library.dbml",
};

export function fixture(name: string): string {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");
}

/** `source` imported into an empty diagram. */
export function imported(format: ImportFormat, source: string): SchemaValues {
  return planImport({ tables: [], relationships: [] }, parseSchema(format, source), "merge").target;
}

export interface ShapeOptions {
  types?: boolean;
  defaults?: boolean;
  comments?: boolean;
  names?: boolean;
}

/**
 * A diagram by name, without ids or positions: tables and their columns (type, nullable, keys,
 * default, comment), and relationships as `table(columns) -> table(columns)` with their actions.
 */
export function shapeOf(schema: SchemaValues | SchemaJson, options: ShapeOptions = {}) {
  const { types = true, defaults = true, comments = true, names = true } = options;
  const byId = new Map(schema.tables.map((t) => [t.id, t]));
  const columnNames = (tableId: string, ids: string[]) => ids.map((id) => byId.get(tableId)?.columns.find((c) => c.id === id)?.name).join(", ");
  const tables = schema.tables
    .map((t) => ({
      name: t.name,
      ...(comments && t.comment ? { comment: t.comment } : {}),
      columns: t.columns.map((c) => ({
        name: c.name,
        ...(types ? { type: c.type } : {}),
        nullable: c.nullable,
        primary_key: c.primary_key,
        unique: c.unique,
        ...(defaults && c.default !== undefined ? { default: c.default } : {}),
        ...(comments && c.comment ? { comment: c.comment } : {}),
      })),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const relationships = schema.relationships
    .map((r) => ({
      key: `${byId.get(r.from_table)?.name}(${columnNames(r.from_table, r.from_columns)}) -> ${byId.get(r.to_table)?.name}(${columnNames(r.to_table, r.to_columns)})`,
      on_delete: r.on_delete ?? null,
      on_update: r.on_update ?? null,
      ...(names ? { name: r.name ?? null } : {}),
    }))
    .sort((a, b) => a.key.localeCompare(b.key));
  return { tables, relationships };
}
