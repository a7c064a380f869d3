/** PostgreSQL DDL: comments as `COMMENT ON` statements. */
import type { SchemaValues } from "../merge-plan.ts";
import { ACTION_SQL, type Dialect } from "./dialect.ts";
import { quoteIdentifier, quoteString } from "./identifiers.ts";
import { writeSql } from "./write-sql.ts";

const q = (name: string) => quoteIdentifier(name, "postgres");

export const postgres: Dialect = {
  name: "postgres",
  alterAddsForeignKeys: true,
  terminator: "",
  action: (action) => ACTION_SQL[action],
  comments(table) {
    const statements: string[] = [];
    if (table.comment) statements.push(`COMMENT ON TABLE ${q(table.name)} IS ${quoteString(table.comment, "postgres")};`);
    for (const c of table.columns) if (c.comment) statements.push(`COMMENT ON COLUMN ${q(table.name)}.${q(c.name)} IS ${quoteString(c.comment, "postgres")};`);
    return statements;
  },
};

export function postgresDdl(schema: SchemaValues): string {
  return writeSql(schema, postgres);
}
