import type * as Y from "yjs";
import { readSchema } from "../../src/schema-doc/index.ts";

/** The diagram a replica shows, as comparable JSON without the server-only element versions. */
export function shapeOf(doc: Y.Doc): string {
  const schema = readSchema(doc);
  return JSON.stringify({
    tables: schema.tables.map(({ version: _v, ...t }) => t),
    relationships: schema.relationships.map(({ version: _v, ...r }) => r),
  });
}

/** Table names of a replica, sorted. */
export function tableNames(doc: Y.Doc): string[] {
  return readSchema(doc).tables.map((t) => t.name).sort();
}
