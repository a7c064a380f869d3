/**
 * Which diagram elements a Yjs transaction changed. Shared by element versions and the incremental
 * invariant repair, which both need it after every transaction and must stay cheap.
 */
import * as Y from "yjs";
import { relationshipsOf, tablesOf } from "./layout.ts";

/** Ids of the tables and relationships whose entry, or anything nested inside it, changed. */
export interface TouchedElements {
  tables: Set<string>;
  relationships: Set<string>;
}

/**
 * Reads `transaction.changed` (the types whose own content changed) and maps each changed type to
 * the top-level entry that contains it, by walking `_item.parent` up. This costs O(depth) per
 * changed type, unlike deep observers, which compute event paths for every nested event.
 *
 * `counts`, when given, picks the changes inside a table that matter to the caller (`keys` are the
 * changed keys of a map, `null` for an array); a table added, replaced or deleted, and any change
 * inside a relationship, always count.
 *
 * A touched id may since have been deleted: callers check the map to tell changes from deletions.
 */
export function touchedElements(
  doc: Y.Doc,
  transaction: Y.Transaction,
  counts?: (type: object, keys: ReadonlySet<string | null>) => boolean,
): TouchedElements {
  const tables = tablesOf(doc);
  const relationships = relationshipsOf(doc);
  const touched: TouchedElements = { tables: new Set(), relationships: new Set() };
  const bucketOf = (map: object): Set<string> | undefined =>
    map === tables ? touched.tables : map === relationships ? touched.relationships : undefined;

  for (const [type, keys] of transaction.changed) {
    const direct = bucketOf(type);
    if (direct !== undefined) {
      // A top-level entry was added, replaced or deleted: the changed keys are the element ids.
      for (const key of keys) if (key !== null) direct.add(key);
      continue;
    }
    const entry = topLevelEntry(type);
    if (entry === undefined) continue;
    if (counts !== undefined && entry.parent === tables && !counts(type, keys)) continue;
    bucketOf(entry.parent)?.add(entry.key);
  }
  return touched;
}

/** The root-level map entry (root map and key) holding `type`, or undefined (e.g. `meta`, deleted). */
function topLevelEntry(type: { _item: Y.Item | null }): { parent: object; key: string } | undefined {
  let item = type._item;
  while (item !== null) {
    // Changes inside a deleted element are not element changes; its deletion is reported by key.
    if (item.deleted) return undefined;
    const parent = item.parent;
    if (!(parent instanceof Y.AbstractType)) return undefined;
    if (parent._item === null) return item.parentSub === null ? undefined : { parent, key: item.parentSub };
    item = parent._item;
  }
  return undefined;
}
