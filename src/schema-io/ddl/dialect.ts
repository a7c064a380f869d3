/** What differs between the SQL dialects LiveShare writes; `write-sql.ts` does the rest. */
import type { ColumnJson, ReferentialAction, TableValues } from "../../schema-doc/index.ts";
import type { SqlDialect } from "../model.ts";

export interface Dialect {
  name: SqlDialect;
  /** Whether a foreign key can be added after its table exists; SQLite cannot (nor needs to). */
  alterAddsForeignKeys: boolean;
  /** The referential actions the dialect takes; others are written as the closest one it does. */
  action(action: ReferentialAction): string | undefined;
  /** A column comment inside its definition (MySQL), or undefined. */
  inlineColumnComment?(column: ColumnJson): string | undefined;
  /** Table options after the closing parenthesis (MySQL's engine and comment). */
  tableSuffix?(table: TableValues): string;
  /** Statements after a table for its comments (PostgreSQL's COMMENT ON, SQL Server's properties). */
  comments?(table: TableValues): string[];
  /** A statement separator line written after each statement (T-SQL's batches), if any. */
  terminator: string;
}

export const ACTION_SQL: Record<ReferentialAction, string> = {
  cascade: "CASCADE",
  restrict: "RESTRICT",
  set_null: "SET NULL",
  set_default: "SET DEFAULT",
  no_action: "NO ACTION",
};
