import type * as Y from "yjs";
import { relationshipsOf, tablesOf } from "../schema-doc/index.ts";

/** Tables plus relationships: the `element_count` of a snapshot. */
export function elementCount(doc: Y.Doc): number {
  return tablesOf(doc).size + relationshipsOf(doc).size;
}
