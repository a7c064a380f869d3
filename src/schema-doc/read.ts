/**
 * Reads the Y.Doc as JSON (schema document v1). Third-party clients write this document directly,
 * so nothing here trusts its shape: entries that are not maps are skipped, missing or mistyped
 * fields get defaults, and no document, however odd, makes these functions throw.
 */
import * as Y from "yjs";
import { columnsOf, relationshipsOf, tablesOf } from "./layout.ts";
import {
  CARDINALITIES,
  REFERENTIAL_ACTIONS,
  type ColumnJson,
  type ReferentialAction,
  type RelationshipJson,
  type SchemaJson,
  type TableJson,
} from "./types.ts";

/** Gives an element's version; the default reports 0 ("unknown") for everything. */
export type VersionOf = (id: string) => number;

const noVersion: VersionOf = () => 0;

/**
 * The whole diagram as JSON, tables and relationships sorted by id so that equal documents give
 * deeply equal (and identically serialized) results.
 *
 * @example
 * const versions = new ElementVersions(doc);
 * const schema = readSchema(doc, (id) => versions.versionOf(id));
 */
export function readSchema(doc: Y.Doc, versionOf: VersionOf = noVersion): SchemaJson {
  const tables: TableJson[] = [];
  for (const id of sortedKeys(tablesOf(doc))) {
    const table = toTableJson(id, tablesOf(doc).get(id), versionOf(id));
    if (table !== undefined) tables.push(table);
  }
  const relationships: RelationshipJson[] = [];
  for (const id of sortedKeys(relationshipsOf(doc))) {
    const relationship = toRelationshipJson(id, relationshipsOf(doc).get(id), versionOf(id));
    if (relationship !== undefined) relationships.push(relationship);
  }
  return { tables, relationships };
}

/** One table as JSON, or undefined when there is no readable table under `id`. */
export function readTable(doc: Y.Doc, id: string, versionOf: VersionOf = noVersion): TableJson | undefined {
  return toTableJson(id, tablesOf(doc).get(id), versionOf(id));
}

/** One relationship as JSON, or undefined when there is no readable relationship under `id`. */
export function readRelationship(doc: Y.Doc, id: string, versionOf: VersionOf = noVersion): RelationshipJson | undefined {
  return toRelationshipJson(id, relationshipsOf(doc).get(id), versionOf(id));
}

/**
 * A table entry as JSON. The map key is the id: a stored `id` field that disagrees is ignored,
 * since the key is what every operation and relationship addresses.
 */
export function toTableJson(id: string, entry: unknown, version: number): TableJson | undefined {
  if (!(entry instanceof Y.Map)) return undefined;
  const table: TableJson = {
    id,
    name: stringOr(entry.get("name"), ""),
    x: finiteOr(entry.get("x"), 0),
    y: finiteOr(entry.get("y"), 0),
    columns: readColumns(entry),
    version,
  };
  assignString(table, "color", entry.get("color"));
  assignString(table, "comment", entry.get("comment"));
  return table;
}

/** A relationship entry as JSON; the map key is the id, as for tables. */
export function toRelationshipJson(id: string, entry: unknown, version: number): RelationshipJson | undefined {
  if (!(entry instanceof Y.Map)) return undefined;
  const relationship: RelationshipJson = {
    id,
    from_table: stringOr(entry.get("from_table"), ""),
    from_columns: idList(entry.get("from_columns")),
    to_table: stringOr(entry.get("to_table"), ""),
    to_columns: idList(entry.get("to_columns")),
    cardinality: oneOf(CARDINALITIES, entry.get("cardinality")) ?? "one_to_many",
    version,
  };
  const onDelete: ReferentialAction | undefined = oneOf(REFERENTIAL_ACTIONS, entry.get("on_delete"));
  if (onDelete !== undefined) relationship.on_delete = onDelete;
  const onUpdate: ReferentialAction | undefined = oneOf(REFERENTIAL_ACTIONS, entry.get("on_update"));
  if (onUpdate !== undefined) relationship.on_update = onUpdate;
  assignString(relationship, "name", entry.get("name"));
  return relationship;
}

/** Columns in array order; entries without a string id cannot be addressed, so they are skipped. */
function readColumns(table: Y.Map<unknown>): ColumnJson[] {
  const columns: ColumnJson[] = [];
  for (const entry of columnsOf(table)?.toArray() ?? []) {
    if (!(entry instanceof Y.Map)) continue;
    const id: unknown = entry.get("id");
    if (typeof id !== "string") continue;
    const column: ColumnJson = {
      id,
      name: stringOr(entry.get("name"), ""),
      type: stringOr(entry.get("type"), ""),
      nullable: booleanOr(entry.get("nullable"), true),
      primary_key: booleanOr(entry.get("primary_key"), false),
      unique: booleanOr(entry.get("unique"), false),
    };
    assignString(column, "default", entry.get("default"));
    assignString(column, "comment", entry.get("comment"));
    columns.push(column);
  }
  return columns;
}

// Code-unit order, not localeCompare: the order must not depend on the server's locale.
function sortedKeys(map: Y.Map<unknown>): string[] {
  return [...map.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Column ids from a plain array (the contract) or a Y.Array (a lenient third-party client). */
function idList(value: unknown): string[] {
  const items: unknown[] = Array.isArray(value) ? value : value instanceof Y.Array ? value.toArray() : [];
  return items.filter((item): item is string => typeof item === "string");
}

function oneOf<T extends string>(allowed: readonly T[], value: unknown): T | undefined {
  return allowed.find((candidate) => candidate === value);
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === "string" ? value : fallback;
}

function finiteOr(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}

function booleanOr(value: unknown, fallback: boolean): boolean {
  return typeof value === "boolean" ? value : fallback;
}

function assignString<K extends string>(target: { [key in K]?: string }, key: K, value: unknown): void {
  if (typeof value === "string") target[key] = value;
}
