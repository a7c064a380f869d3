/** Identifier quoting per SQL dialect: names are quoted only when they must be. */
import type { SqlDialect } from "../model.ts";

/**
 * Words reserved in at least one of PostgreSQL, MySQL/MariaDB, SQLite and SQL Server (the SQL
 * standard's core plus each one's own; `session` for the SQLite parser LiveShare reads with) — a name among them is quoted in every dialect, which is
 * always allowed and keeps one export readable by the others.
 */
const RESERVED = new Set(
  `add all alter analyze and any array as asc asymmetric authorization backup begin between bigint binary both breadth browse bulk by call cascade case cast check checkpoint close clustered collate column commit compute constraint contains continue convert create cross current current_catalog current_date current_role current_schema current_time current_timestamp current_user cursor database databases day_hour default deferrable delayed delete deny desc describe distinct distributed div do double drop dual dump else elseif enclosed end errlvl escape escaped except exec execute exists exit explain external fetch file fillfactor for force foreign freetext from full function get glob goto grant group having high_priority holdlock identity identity_insert if ignore ilike in index infile initially inner inout insert int integer intersect interval into is isnull join key keys kill leading left like limit lineno lines load localtime localtimestamp lock long loop match merge minute_second mod modifies natural no nocheck nonclustered not notnull null nullif numeric of off offset offsets on only open opendatasource openquery openrowset openxml option optionally or order out outer over partition percent pivot placing plan precision primary print proc procedure public raiserror range read readtext real reconfigure recursive references regexp release rename repeat replace replication require restore restrict return returning revert revoke right rlike rollback rowcount rowguidcol rows rule save schema schemas select semantickeyquery session session_user set setuser show shutdown similar smallint some spatial sql ssl starting statistics straight_join symmetric system_user table tablesample terminated textsize then to top trailing tran transaction trigger truncate try_convert tsequal undo union unique unlock unpivot unsigned update updatetext usage use user using utc_date utc_time utc_timestamp values varbinary varchar varcharacter variadic varying verbose view waitfor when where while window with within writetext xor year_month zerofill`.split(
    /\s+/,
  ),
);

/** Whether a name is reserved somewhere (then always quoted). */
export function isReserved(name: string): boolean {
  return RESERVED.has(name.toLowerCase());
}

/**
 * `name` as the dialect reads it back unchanged: bare when it is a plain lower-case word (PostgreSQL
 * folds unquoted names to lower case) that no dialect reserves, quoted otherwise.
 */
export function quoteIdentifier(name: string, dialect: SqlDialect): string {
  // T-SQL reads many more words as keywords in context (`at`, `file`, …): names are always bracketed
  // there, as SQL Server's own scripts do.
  if (dialect !== "mssql" && /^[a-z_][a-z0-9_]*$/.test(name) && !isReserved(name)) return name;
  switch (dialect) {
    case "mysql":
      return `\`${name.replaceAll("`", "``")}\``;
    case "mssql":
      return `[${name.replaceAll("]", "]]")}]`;
    default:
      return `"${name.replaceAll('"', '""')}"`;
  }
}

/** A string literal: single quotes doubled (and, for MySQL, backslashes too). */
export function quoteString(text: string, dialect: SqlDialect): string {
  const body = text.replaceAll("'", "''");
  return `'${dialect === "mysql" ? body.replaceAll("\\", "\\\\") : body}'`;
}
