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
  let changed = replaceElements(tablesOf(live), now.tables, wanted.tables, buildTable);
  changed += replaceElements(relationshipsOf(live), now.relationships, wanted.relationships, buildRelationship);
  const name = metaOf(target).get("name");
  if (typeof name === "string" && metaOf(live).get("name") !== name) metaOf(live).set("name", name);
  return changed;
}

/** Deletes the elements of `map` not wanted, rebuilds the ones that differ, leaves equal ones alone. */
function replaceElements<T extends { id: string; version: number }>(
  map: Y.Map<unknown>,
  now: readonly T[],
  wanted: readonly T[],
  build: (values: Omit<T, "version">) => Y.Map<unknown>,
): number {
  const strip = ({ version: _version, ...rest }: T): Omit<T, "version"> => rest;
  const wantedIds = new Set(wanted.map((e) => e.id));
  const current = new Map(now.map((e) => [e.id, JSON.stringify(strip(e))]));
  let changed = 0;
  for (const element of now) {
    if (wantedIds.has(element.id)) continue;
    map.delete(element.id);
    changed++;
  }
  for (const element of wanted) {
    const values = strip(element);
    if (current.get(element.id) === JSON.stringify(values)) continue;
    map.set(element.id, build(values));
    changed++;
  }
  return changed;
}
