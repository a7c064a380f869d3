/** A diagram in any export format: SQL for each dialect, DBML, or the diagram's own JSON. */
import type { SchemaJson } from "../schema-doc/index.ts";
import { dbmlDocument } from "./ddl/dbml.ts";
import { mssqlDdl } from "./ddl/mssql.ts";
import { mysqlDdl } from "./ddl/mysql.ts";
import { postgresDdl } from "./ddl/postgres.ts";
import { sqliteDdl } from "./ddl/sqlite.ts";
import type { SchemaValues } from "./merge-plan.ts";
import type { ExportFormat } from "./model.ts";

/** The text of `schema` in `format` (JSON pretty-printed). */
export function exportSchema(schema: SchemaJson | SchemaValues, format: ExportFormat): string {
  switch (format) {
    case "postgres":
      return postgresDdl(schema);
    case "mysql":
      return mysqlDdl(schema);
    case "sqlite":
      return sqliteDdl(schema);
    case "mssql":
      return mssqlDdl(schema);
    case "dbml":
      return dbmlDocument(schema);
    case "json":
      return `${JSON.stringify(schema, null, 2)}\n`;
  }
}

/** The file name extension of an export. */
export function extensionOf(format: ExportFormat): string {
  return format === "json" ? "json" : format === "dbml" ? "dbml" : "sql";
}
