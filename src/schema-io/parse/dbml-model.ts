/**
 * `@dbml/core`'s parsed database (the same model for DBML and the SQL dialects it reads) as a
 * {@link ParsedSchema}. Schemas are flattened: a diagram has one namespace of table names.
 */
import type { Database } from "@dbml/core";
import type { Cardinality } from "../../schema-doc/index.ts";
import { referentialAction, type ImportWarning, type ParsedColumn, type ParsedRelationship, type ParsedSchema, type ParsedTable } from "../model.ts";

type Exported = ReturnType<Database["export"]>;
type ExportedTable = Exported["schemas"][number]["tables"][number];
type ExportedField = ExportedTable["fields"][number];
type ExportedRef = Exported["schemas"][number]["refs"][number];

/** The tables and foreign keys of `database`; what it holds beyond them is reported in `warnings`. */
export function fromDbmlDatabase(database: Database, warnings: ImportWarning[] = [], sqlStrings = false): ParsedSchema {
  const exported = database.export();
  const tables: ParsedTable[] = [];
  const byName = new Map<string, ParsedTable>();
  const relationships: ParsedRelationship[] = [];
  for (const schema of exported.schemas) {
    for (const source of schema.tables) {
      if (byName.has(source.name)) {
        warnings.push({ statement: `table ${schema.name}.${source.name}`, reason: "a table of that name was already imported from another schema" });
        continue;
      }
      const table = toTable(source, warnings, sqlStrings);
      tables.push(table);
      byName.set(table.name, table);
    }
    for (const ref of schema.refs) {
      const relationship = toRelationship(ref);
      if (relationship) relationships.push(relationship);
    }
    for (const e of schema.enums) warnings.push({ statement: `enum ${e.name}`, reason: "enums are not part of the diagram; columns keep the enum's name as their type" });
  }
  // Table-level CHECKs are in the model, not in its export.
  for (const schema of database.schemas) {
    for (const table of schema.tables) {
      const fieldChecks = table.fields.reduce((n, f) => n + ((f as { checks?: unknown[] }).checks?.length ?? 0), 0);
      if (table.checks.length > fieldChecks) warnings.push({ statement: `CHECK on ${table.name}`, reason: "CHECK constraints are not part of the diagram" });
    }
  }
  for (const record of exported.records) {
    warnings.push({ statement: `data for ${record.tableName}`, reason: "data is not part of the diagram" });
  }
  return { tables, relationships, warnings };
}

function toTable(source: ExportedTable, warnings: ImportWarning[], sqlStrings: boolean): ParsedTable {
  const columns = source.fields.map((field) => toColumn(field, sqlStrings));
  for (const column of columns) {
    // A sequence is not part of the diagram, so neither is a default drawn from one.
    if (column.default !== undefined && /^nextval\s*\(/i.test(column.default)) {
      warnings.push({ statement: `DEFAULT ${column.default} on ${source.name}.${column.name}`, reason: "sequences are not part of the diagram" });
      delete column.default;
    }
  }
  const column = (name: unknown) => columns.find((c) => c.name === name);
  for (const index of source.indexes) {
    const names = index.columns.map((c) => (c.type === "column" || c.type === "string" ? String(c.value) : undefined));
    const plain = names.every((n) => n !== undefined && column(n));
    if (index.pk && plain) {
      for (const name of names) Object.assign(column(name) ?? {}, { primary_key: true, nullable: false, unique: names.length === 1 || Boolean(column(name)?.unique) });
    } else if (index.unique && plain && names.length === 1) {
      Object.assign(column(names[0]) ?? {}, { unique: true });
    } else {
      const reason = index.unique ? "a composite or expression unique key is not part of the diagram" : "an index is not part of the diagram";
      warnings.push({ statement: `${index.name ? `${index.name} ` : ""}on ${source.name} (${names.map((n) => n ?? "expression").join(", ")})`, reason });
    }
  }
  for (const field of source.fields as (ExportedField & { checkIds?: number[] })[]) {
    if (field.checkIds && field.checkIds.length > 0) warnings.push({ statement: `CHECK on ${source.name}.${field.name}`, reason: "CHECK constraints are not part of the diagram" });
  }
  const table: ParsedTable = { name: source.name, columns };
  if (typeof source.note === "string" && source.note !== "") table.comment = source.note;
  return table;
}

function toColumn(field: ExportedField, sqlStrings: boolean): ParsedColumn {
  const column: ParsedColumn = {
    name: field.name,
    type: typeName(field.type),
    nullable: !(field.not_null || field.pk),
    primary_key: Boolean(field.pk),
    unique: Boolean(field.unique) || Boolean(field.pk),
  };
  const value = defaultText(field.dbdefault, sqlStrings);
  if (value !== undefined) column.default = value;
  if (typeof field.note === "string" && field.note !== "") column.comment = field.note;
  return column;
}

/** The column type as written; T-SQL's `IDENTITY(1,1)` is a property of the column, not of its type. */
function typeName(type: unknown): string {
  const name = typeof type === "object" && type !== null ? (type as { type_name?: unknown }).type_name : undefined;
  // The PostgreSQL reader joins a two-word type's words.
  const text = (typeof name === "string" ? name : "text").replace(/^doubleprecision\b/i, "double precision");
  return text.replace(/\s+IDENTITY\s*(\(\s*\d+\s*,\s*\d+\s*\))?/i, "").trim() || "text";
}

/**
 * A default as SQL text: strings quoted, numbers and expressions as written; `DEFAULT NULL` is no
 * default. The SQL readers hand strings over still escaped (`it''s`), the DBML reader unescaped.
 */
function defaultText(dbdefault: unknown, sqlStrings: boolean): string | undefined {
  if (typeof dbdefault !== "object" || dbdefault === null) return undefined;
  const { value, type } = dbdefault as { value?: unknown; type?: unknown };
  if (value === undefined || value === null) return undefined;
  const text = String(value);
  if (type === "string") return `'${sqlStrings ? text : text.replaceAll("'", "''")}'`;
  if (type === "boolean" && text.toLowerCase() === "null") return undefined;
  return text;
}

const isMany = (relation: unknown): boolean => typeof relation === "string" && relation.includes("*");

/** The referencing side is the "many" end; for one-to-one and many-to-many, the first endpoint. */
function toRelationship(ref: ExportedRef): ParsedRelationship | undefined {
  const [a, b] = ref.endpoints;
  if (!a || !b) return undefined;
  const [from, to] = !isMany(a.relation) && isMany(b.relation) ? [b, a] : [a, b];
  const cardinality: Cardinality = isMany(a.relation) && isMany(b.relation) ? "many_to_many" : isMany(a.relation) || isMany(b.relation) ? "one_to_many" : "one_to_one";
  const relationship: ParsedRelationship = {
    from_table: from.tableName,
    from_columns: [...from.fieldNames],
    to_table: to.tableName,
    to_columns: [...to.fieldNames],
    cardinality,
  };
  if (typeof ref.name === "string" && ref.name !== "") relationship.name = ref.name;
  const onDelete = referentialAction(ref.onDelete);
  if (onDelete) relationship.on_delete = onDelete;
  const onUpdate = referentialAction(ref.onUpdate);
  if (onUpdate) relationship.on_update = onUpdate;
  return relationship;
}
