import type * as Y from "yjs";
import { buildRelationship, buildTable, metaOf, relationshipsOf, tablesOf } from "./layout.ts";
import { readSchema } from "./read.ts";

/**
 * Makes `live` show the same diagram as `target`, as one new change: elements missing from the
 * target are deleted, differing ones are rebuilt, equal ones are left alone (so their history and
 * versions are untouched). This is how a snapshot is restored — forward, never by rewinding history,
 * so every client receives it as an ordinary update and restoring a later snapshot undoes it.
 * Call inside a transaction. Returns how many elements changed.
 */
export function replaceSchema(live: Y.Doc, target: Y.Doc): number {
  const now = readSchema(live);
  const wanted = readSchema(target);
  let changed = 0;
  const strip = <T extends { version: number }>({ version: _version, ...rest }: T) => rest;

  const tables = tablesOf(live);
  const wantedTables = new Map(wanted.tables.map((t) => [t.id, t]));
  for (const table of now.tables) {
    if (!wantedTables.has(table.id)) {
      tables.delete(table.id);
      changed++;
    }
  }
  const nowTables = new Map(now.tables.map((t) => [t.id, JSON.stringify(strip(t))]));
  for (const table of wanted.tables) {
    const values = strip(table);
    if (nowTables.get(table.id) === JSON.stringify(values)) continue;
    tables.set(table.id, buildTable(values));
    changed++;
  }

  const relationships = relationshipsOf(live);
  const wantedRelationships = new Map(wanted.relationships.map((r) => [r.id, r]));
  for (const relationship of now.relationships) {
    if (!wantedRelationships.has(relationship.id)) {
      relationships.delete(relationship.id);
      changed++;
    }
  }
  const nowRelationships = new Map(now.relationships.map((r) => [r.id, JSON.stringify(strip(r))]));
  for (const relationship of wanted.relationships) {
    const values = strip(relationship);
    if (nowRelationships.get(relationship.id) === JSON.stringify(values)) continue;
    relationships.set(relationship.id, buildRelationship(values));
    changed++;
  }

  const name = metaOf(target).get("name");
  if (typeof name === "string" && metaOf(live).get("name") !== name) metaOf(live).set("name", name);
  return changed;
}
