/**
 * What an import makes of the live diagram, decided before anything is written. Tables match by name
 * (case-insensitively, as SQL folds them) and keep their id, position and colour; their columns match
 * by name and keep their ids — so relationships, layout and everyone's references to them survive a
 * re-import of an evolved schema. `merge` leaves the diagram's other tables and relationships alone;
 * `replace` removes whatever the source does not declare.
 */
import { randomUUID } from "node:crypto";
import { MAX_COLUMNS, MAX_KEY_COLUMNS, type ColumnJson, type RelationshipValues, type SchemaJson, type TableValues } from "../schema-doc/index.ts";
import { foreignKeyName } from "./ddl/names.ts";
import { layoutNewTables } from "./layout.ts";
import type { ImportMode, ImportWarning, ParsedColumn, ParsedRelationship, ParsedSchema, ParsedTable } from "./model.ts";

export { IMPORT_MODES, type ImportMode } from "./model.ts";

/** The diagram as stored, without versions: what an import turns the live document into. */
export interface SchemaValues {
  tables: TableValues[];
  relationships: RelationshipValues[];
}

/** What an import added, changed, kept and removed, by table name; relationships and columns by count. */
export interface ImportSummary {
  mode: ImportMode;
  tables: { added: string[]; changed: string[]; kept: string[]; removed: string[] };
  columns: { added: number; changed: number; kept: number; removed: number };
  relationships: { added: number; changed: number; kept: number; removed: number };
  /** Statements and clauses skipped: the diagram has no place for them. */
  skipped: ImportWarning[];
}

export interface ImportPlan {
  target: SchemaValues;
  summary: ImportSummary;
}

/** A source the diagram cannot hold (a name too long, too many columns): refused before any change. */
export class ImportRejected extends Error {
  override name = "ImportRejected";
}

const MAX_NAME = 255;
const MAX_TYPE = 255;

/** Plans turning `current` into what `parsed` declares; see the module comment. */
export function planImport(current: SchemaJson, parsed: ParsedSchema, mode: ImportMode, newId: () => string = randomUUID): ImportPlan {
  const skipped = [...parsed.warnings];
  const summary: ImportSummary = {
    mode,
    tables: { added: [], changed: [], kept: [], removed: [] },
    columns: { added: 0, changed: 0, kept: 0, removed: 0 },
    relationships: { added: 0, changed: 0, kept: 0, removed: 0 },
    skipped,
  };
  const existingByName = new Map(current.tables.map((t) => [key(t.name), t]));
  const sourceTables = dedupeTables(parsed.tables, skipped);
  const imported = new Map<string, TableValues>();
  const fresh: TableValues[] = [];
  for (const source of sourceTables) {
    validateTable(source);
    const existing = existingByName.get(key(source.name));
    const table = existing ? updatedTable(existing, source, summary, newId) : newTable(source, newId, summary);
    if (!existing) fresh.push(table);
    imported.set(key(source.name), table);
  }

  const tables: TableValues[] = [];
  for (const table of current.tables) {
    const replacement = imported.get(key(table.name));
    if (replacement) tables.push(replacement);
    else if (mode === "merge") tables.push(stripVersion(table));
    else {
      summary.tables.removed.push(table.name);
      summary.columns.removed += table.columns.length;
    }
  }
  tables.push(...fresh);

  const relationships = planRelationships(current, parsed.relationships, tables, imported, mode, summary, newId);
  layoutNewTables(fresh, tables.filter((t) => !fresh.includes(t)), relationships.map((r) => [r.from_table, r.to_table]));
  return { target: { tables, relationships }, summary };
}

const key = (name: string): string => name.toLowerCase();

function stripVersion<T extends { version: number }>({ version: _version, ...rest }: T): Omit<T, "version"> {
  return rest;
}

/** A second table of the same name is skipped, as the database would refuse it. */
function dedupeTables(tables: ParsedTable[], skipped: ImportWarning[]): ParsedTable[] {
  const seen = new Set<string>();
  return tables.filter((t) => {
    if (seen.has(key(t.name))) {
      skipped.push({ statement: `table ${t.name}`, reason: "a table of that name is declared earlier in the source" });
      return false;
    }
    seen.add(key(t.name));
    return true;
  });
}

function validateTable(table: ParsedTable): void {
  if (table.name.length === 0 || table.name.length > MAX_NAME) throw new ImportRejected(`table name "${table.name.slice(0, 40)}" must be 1 to ${MAX_NAME} characters`);
  if (table.columns.length > MAX_COLUMNS) throw new ImportRejected(`table ${table.name} has ${table.columns.length} columns; a table holds at most ${MAX_COLUMNS}`);
  const seen = new Set<string>();
  for (const column of table.columns) {
    if (column.name.length === 0 || column.name.length > MAX_NAME) throw new ImportRejected(`column name in ${table.name} must be 1 to ${MAX_NAME} characters`);
    if (column.type.length > MAX_TYPE) throw new ImportRejected(`type of ${table.name}.${column.name} is longer than ${MAX_TYPE} characters`);
    if (seen.has(key(column.name))) throw new ImportRejected(`table ${table.name} declares column ${column.name} twice`);
    seen.add(key(column.name));
  }
}

function newTable(source: ParsedTable, newId: () => string, summary: ImportSummary): TableValues {
  summary.tables.added.push(source.name);
  summary.columns.added += source.columns.length;
  const table: TableValues = { id: newId(), name: source.name, x: 0, y: 0, columns: source.columns.map((c) => columnValues(newId(), c)) };
  if (source.comment !== undefined) table.comment = source.comment;
  return table;
}

/** The existing table with the source's columns: same-named columns keep their ids; position and colour stay. */
function updatedTable(existing: TableValues & { version?: number }, source: ParsedTable, summary: ImportSummary, newId: () => string): TableValues {
  const byName = new Map(existing.columns.map((c) => [key(c.name), c]));
  let changed = existing.name !== source.name || existing.comment !== source.comment || existing.columns.length !== source.columns.length;
  const columns = source.columns.map((parsed, index) => {
    const old = byName.get(key(parsed.name));
    if (!old) {
      summary.columns.added++;
      changed = true;
      return columnValues(newId(), parsed);
    }
    byName.delete(key(parsed.name));
    const next = columnValues(old.id, parsed);
    if (JSON.stringify(next) === JSON.stringify(old) && existing.columns[index]?.id === old.id) summary.columns.kept++;
    else {
      summary.columns.changed++;
      changed = true;
    }
    return next;
  });
  summary.columns.removed += byName.size;
  const { version: _version, ...rest } = existing;
  const table: TableValues = { ...rest, name: source.name, columns };
  delete table.comment;
  if (source.comment !== undefined) table.comment = source.comment;
  (changed ? summary.tables.changed : summary.tables.kept).push(source.name);
  return table;
}

/** A column in the document's field order, so that equal columns serialise equally. */
function columnValues(id: string, c: ParsedColumn): ColumnJson {
  const column: ColumnJson = { id, name: c.name, type: c.type, nullable: c.nullable, primary_key: c.primary_key, unique: c.unique };
  if (c.default !== undefined) column.default = c.default;
  if (c.comment !== undefined) column.comment = c.comment;
  return column;
}

/**
 * The source's foreign keys by column id. One matching an existing relationship (same tables and
 * columns) keeps its id; in `merge` the diagram's other relationships stay while their columns do.
 */
function planRelationships(
  current: SchemaJson,
  parsed: ParsedRelationship[],
  tables: TableValues[],
  imported: Map<string, TableValues>,
  mode: ImportMode,
  summary: ImportSummary,
  newId: () => string,
): RelationshipValues[] {
  const shape = (r: Pick<RelationshipValues, "from_table" | "from_columns" | "to_table" | "to_columns">) =>
    `${r.from_table}:${r.from_columns.join(",")}>${r.to_table}:${r.to_columns.join(",")}`;
  const existingByShape = new Map(current.relationships.map((r) => [shape(r), r]));
  const columnIds = new Map(tables.map((t) => [t.id, new Set(t.columns.map((c) => c.id))]));
  const result: RelationshipValues[] = [];
  const used = new Set<string>();
  for (const source of parsed) {
    const from = imported.get(key(source.from_table));
    const to = imported.get(key(source.to_table));
    const fromColumns = source.from_columns.map((n) => from?.columns.find((c) => key(c.name) === key(n))?.id);
    const toColumns = source.to_columns.map((n) => to?.columns.find((c) => key(c.name) === key(n))?.id);
    const label = `${source.name ? `${source.name}: ` : ""}${source.from_table}(${source.from_columns.join(", ")}) -> ${source.to_table}(${source.to_columns.join(", ")})`;
    if (!from || !to || fromColumns.some((c) => !c) || toColumns.some((c) => !c) || fromColumns.length !== toColumns.length || fromColumns.length === 0) {
      summary.skipped.push({ statement: `FOREIGN KEY ${label}`, reason: "it names a table or column the source does not declare" });
      continue;
    }
    if (fromColumns.length > MAX_KEY_COLUMNS) {
      summary.skipped.push({ statement: `FOREIGN KEY ${label}`, reason: `a key has at most ${MAX_KEY_COLUMNS} columns` });
      continue;
    }
    const values: RelationshipValues = {
      id: "",
      from_table: from.id,
      from_columns: fromColumns as string[],
      to_table: to.id,
      to_columns: toColumns as string[],
      cardinality: source.cardinality,
    };
    if (source.on_delete) values.on_delete = source.on_delete;
    if (source.on_update) values.on_update = source.on_update;
    // A key named as the database names it by default is an unnamed key (see ddl/names.ts).
    if (source.name && source.name !== foreignKeyName(from.name, source.from_columns)) values.name = source.name;
    const existing = existingByShape.get(shape(values));
    if (existing && !used.has(existing.id)) {
      used.add(existing.id);
      values.id = existing.id;
      const same = JSON.stringify(orderedRelationship(values)) === JSON.stringify(orderedRelationship(stripVersion(existing)));
      if (same) summary.relationships.kept++;
      else summary.relationships.changed++;
    } else {
      values.id = newId();
      summary.relationships.added++;
    }
    result.push(values);
  }
  for (const relationship of current.relationships) {
    if (used.has(relationship.id)) continue;
    const fromIds = columnIds.get(relationship.from_table);
    const toIds = columnIds.get(relationship.to_table);
    const survives = fromIds && toIds && relationship.from_columns.every((c) => fromIds.has(c)) && relationship.to_columns.every((c) => toIds.has(c));
    if (mode === "merge" && survives) result.push(stripVersion(relationship));
    else summary.relationships.removed++;
  }
  return result;
}

function orderedRelationship(r: RelationshipValues): unknown[] {
  return [r.id, r.from_table, r.from_columns, r.to_table, r.to_columns, r.cardinality, r.on_delete, r.on_update, r.name];
}
