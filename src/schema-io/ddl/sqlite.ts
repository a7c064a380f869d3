/**
 * SQLite DDL. SQLite cannot add a foreign key to an existing table, and does not check references
 * when a table is created, so every key is declared with its table, cycles included. SQLite has no
 * comments on tables or columns: they are not exported.
 */
import type { SchemaValues } from "../merge-plan.ts";
import { ACTION_SQL, type Dialect } from "./dialect.ts";
import { writeSql } from "./write-sql.ts";

export const sqlite: Dialect = {
  name: "sqlite",
  alterAddsForeignKeys: false,
  terminator: "",
  action: (action) => ACTION_SQL[action],
};

export function sqliteDdl(schema: SchemaValues): string {
  return `PRAGMA foreign_keys = ON;\n\n${writeSql(schema, sqlite)}`;
}
