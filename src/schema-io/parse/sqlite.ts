/**
 * SQLite DDL, read with `node-sql-parser` (`@dbml/core` has no SQLite dialect). Foreign keys are
 * declared inline in SQLite; both column and table constraints are read.
 */
import nodeSqlParser from "node-sql-parser";
import { referentialAction, SchemaParseError, type ParsedColumn, type ParsedRelationship, type ParsedSchema, type ParsedTable } from "../model.ts";
import { headline, sortStatements } from "../statements.ts";
import { extractColumnTypes } from "./sqlite-types.ts";

const parser = new nodeSqlParser.Parser();
const OPTIONS = { database: "sqlite" } as const;

interface ColumnRef {
  column: string | { expr?: { value?: string } };
}
interface Reference {
  table?: { table: string }[];
  definition?: ColumnRef[];
  on_action?: { type: string; value?: { value?: string } }[];
}
interface Definition {
  resource?: string;
  column?: ColumnRef;
  definition?: { dataType?: string; length?: number; scale?: number; parentheses?: boolean } | ColumnRef[];
  nullable?: { type?: string };
  primary_key?: string;
  unique?: string;
  unique_or_primary?: string;
  default_val?: { value?: unknown };
  comment?: { value?: { value?: string } };
  reference_definition?: Reference;
  check?: unknown;
  constraint?: string | null;
  constraint_type?: string;
}
interface CreateTable {
  type?: string;
  keyword?: string;
  table?: { table: string }[];
  create_definitions?: Definition[] | null;
}

/** SQLite DDL as a {@link ParsedSchema}; other statements become warnings. */
export function parseSqlite(source: string): ParsedSchema {
  const sorted = sortStatements(source, "sqlite");
  if (sorted.keptStatements.length === 0) return { tables: [], relationships: [], warnings: sorted.warnings };
  const { text, types } = extractColumnTypes(sorted.kept, sorted.keptStatements);
  const typeOf = (table: string, column: string) => types.find((t) => t.table === table && t.column === column)?.type;
  let ast: unknown;
  try {
    ast = parser.astify(text, OPTIONS);
  } catch (error) {
    const start = (error as { location?: { start?: { line?: number; column?: number } } }).location?.start;
    const message = String((error as Error).message ?? error).replace(/^(Expected (?:[^,]+, ){5})[^]*?( but .* found\.)$/, "$1…$2");
    throw new SchemaParseError(message, start?.line ?? 1, start?.column ?? 1);
  }
  const tables: ParsedTable[] = [];
  const relationships: ParsedRelationship[] = [];
  const warnings = sorted.warnings;
  for (const node of (Array.isArray(ast) ? ast : [ast]) as CreateTable[]) {
    if (node.type !== "create" || node.keyword !== "table") continue;
    const name = node.table?.[0]?.table;
    if (!name) continue;
    const table: ParsedTable = { name, columns: [] };
    const column = (n: string) => table.columns.find((c) => c.name === n);
    for (const def of node.create_definitions ?? []) {
      if (def.resource === "column" && def.column) {
        const parsed = toColumn(def);
        parsed.type = typeOf(name, parsed.name) ?? parsed.type;
        table.columns.push(parsed);
        if (def.reference_definition) relationships.push(toRelationship(name, [parsed.name], def.reference_definition, undefined));
        if (def.check) warnings.push({ statement: `CHECK on ${name}.${parsed.name}`, reason: "CHECK constraints are not part of the diagram" });
        continue;
      }
      const names = Array.isArray(def.definition) ? def.definition.map(columnName) : [];
      const type = def.constraint_type?.toLowerCase();
      if (type === "primary key") {
        for (const n of names) Object.assign(column(n) ?? {}, { primary_key: true, nullable: false, unique: names.length === 1 || Boolean(column(n)?.unique) });
      } else if (type === "unique" || type === "unique key" || type === "unique index") {
        if (names.length === 1) Object.assign(column(names[0] as string) ?? {}, { unique: true });
        else warnings.push({ statement: `UNIQUE on ${name} (${names.join(", ")})`, reason: "a composite unique key is not part of the diagram" });
      } else if (type === "foreign key" && def.reference_definition) {
        relationships.push(toRelationship(name, names, def.reference_definition, def.constraint ?? undefined));
      } else if (type === "check") {
        warnings.push({ statement: `CHECK on ${name}`, reason: "CHECK constraints are not part of the diagram" });
      } else {
        warnings.push({ statement: `${headline(def.constraint_type ?? "constraint")} on ${name}`, reason: "not part of the diagram" });
      }
    }
    tables.push(table);
  }
  return { tables, relationships, warnings };
}

function columnName(ref: ColumnRef): string {
  return typeof ref.column === "string" ? ref.column : String(ref.column?.expr?.value ?? "");
}

function toColumn(def: Definition): ParsedColumn {
  const shape = Array.isArray(def.definition) ? undefined : def.definition;
  let type = shape?.dataType ?? "";
  if (shape?.length !== undefined) type += `(${shape.length}${shape.scale !== undefined ? `,${shape.scale}` : ""})`;
  const primary = Boolean(def.primary_key) || def.unique_or_primary === "primary key";
  const column: ParsedColumn = {
    name: columnName(def.column as ColumnRef),
    // SQLite lets a column go without a type; it then has no affinity, which BLOB comes closest to.
    type: type || "blob",
    nullable: def.nullable?.type !== "not null" && !primary,
    primary_key: primary,
    unique: primary || Boolean(def.unique) || def.unique_or_primary === "unique",
  };
  if (def.default_val?.value !== undefined) {
    const text = parser.exprToSQL(def.default_val.value, OPTIONS);
    if (text.toUpperCase() !== "NULL") column.default = text;
  }
  return column;
}

function toRelationship(from: string, columns: string[], reference: Reference, name: string | undefined): ParsedRelationship {
  const relationship: ParsedRelationship = {
    from_table: from,
    from_columns: columns,
    to_table: reference.table?.[0]?.table ?? "",
    to_columns: (reference.definition ?? []).map(columnName),
    cardinality: "one_to_many",
  };
  if (name) relationship.name = name;
  for (const action of reference.on_action ?? []) {
    const value = referentialAction(action.value?.value);
    if (!value) continue;
    if (action.type === "on delete") relationship.on_delete = value;
    if (action.type === "on update") relationship.on_update = value;
  }
  return relationship;
}
