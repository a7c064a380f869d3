/**
 * SQL Server DDL: comments as `MS_Description` extended properties; RESTRICT (which T-SQL lacks) as
 * NO ACTION, which refuses the same deletes.
 */
import type { SchemaValues } from "../merge-plan.ts";
import { ACTION_SQL, type Dialect } from "./dialect.ts";
import { quoteString } from "./identifiers.ts";
import { writeSql } from "./write-sql.ts";

const property = (comment: string, table: string, column?: string) =>
  `EXEC sp_addextendedproperty @name = N'MS_Description', @value = N${quoteString(comment, "mssql")}, @level0type = N'SCHEMA', @level0name = N'dbo', @level1type = N'TABLE', @level1name = N${quoteString(table, "mssql")}${column === undefined ? "" : `, @level2type = N'COLUMN', @level2name = N${quoteString(column, "mssql")}`};`;

export const mssql: Dialect = {
  name: "mssql",
  alterAddsForeignKeys: true,
  terminator: "\nGO",
  action: (action) => (action === "restrict" ? ACTION_SQL.no_action : ACTION_SQL[action]),
  comments(table) {
    const statements: string[] = [];
    if (table.comment) statements.push(property(table.comment, table.name));
    for (const c of table.columns) if (c.comment) statements.push(property(c.comment, table.name, c.name));
    return statements;
  },
};

export function mssqlDdl(schema: SchemaValues): string {
  return writeSql(schema, mssql);
}
