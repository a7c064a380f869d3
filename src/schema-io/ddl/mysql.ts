/** MySQL / MariaDB DDL: InnoDB tables (foreign keys need it), comments inline. */
import type { SchemaValues } from "../merge-plan.ts";
import { ACTION_SQL, type Dialect } from "./dialect.ts";
import { quoteString } from "./identifiers.ts";
import { writeSql } from "./write-sql.ts";

export const mysql: Dialect = {
  name: "mysql",
  alterAddsForeignKeys: true,
  terminator: "",
  // InnoDB parses SET DEFAULT but refuses the table: NO ACTION is the nearest it runs.
  action: (action) => (action === "set_default" ? ACTION_SQL.no_action : ACTION_SQL[action]),
  inlineColumnComment: (column) => (column.comment ? `COMMENT ${quoteString(column.comment, "mysql")}` : undefined),
  tableSuffix: (table) => ` ENGINE=InnoDB${table.comment ? ` COMMENT=${quoteString(table.comment, "mysql")}` : ""}`,
};

export function mysqlDdl(schema: SchemaValues): string {
  return writeSql(schema, mysql);
}
