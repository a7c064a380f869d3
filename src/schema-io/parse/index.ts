/** Every import format's parser behind one function. */
import type { ImportFormat, ParsedSchema } from "../model.ts";
import { parseSqlite } from "./sqlite.ts";
import { parseDbmlSource, parseSqlWithDbml } from "./with-dbml.ts";

/**
 * Reads `source` in `format`; throws {@link SchemaParseError} (with line and column) when it does not
 * parse. Statements the diagram has no place for are listed in `warnings`, not refused.
 */
export function parseSchema(format: ImportFormat, source: string): ParsedSchema {
  switch (format) {
    case "postgres":
    case "mysql":
    case "mssql":
      return parseSqlWithDbml(source, format);
    case "sqlite":
      return parseSqlite(source);
    case "dbml":
      return parseDbmlSource(source);
  }
}
