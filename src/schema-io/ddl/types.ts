/**
 * Column types and defaults across dialects. A diagram keeps types as they were written; an export
 * to another dialect translates only what that dialect does not know (`datetime2` for PostgreSQL,
 * `jsonb` for MySQL), so a type written for the target passes through untouched.
 */
import type { SqlDialect } from "../model.ts";

interface TypeParts {
  base: string;
  args: string | undefined;
  suffix: string;
}

function partsOf(type: string): TypeParts {
  const match = /^\s*([A-Za-z_][A-Za-z0-9_ ]*?)\s*(?:\(([^)]*)\))?\s*(\[\])?\s*(unsigned|zerofill|with time zone|without time zone)?\s*$/i.exec(type);
  if (!match) return { base: type.trim(), args: undefined, suffix: "" };
  return { base: (match[1] as string).toLowerCase().replace(/\s+/g, " "), args: match[2]?.trim(), suffix: `${match[3] ?? ""}${match[4] ? ` ${match[4]}` : ""}` };
}

const withArgs = (base: string, args: string | undefined) => (args !== undefined ? `${base}(${args})` : base);

/** The column's type as `dialect` accepts it. `inKey`: the column is in a key or index (MySQL needs a length there). */
export function typeFor(type: string, dialect: SqlDialect, inKey = false): string {
  const { base, args, suffix } = partsOf(type);
  const max = args?.toLowerCase() === "max";
  switch (dialect) {
    case "postgres":
      return postgresType(type, base, max ? undefined : args, max, suffix);
    case "mysql":
      return mysqlType(type, base, max ? undefined : args, max, suffix, inKey);
    case "mssql":
      return mssqlType(type, base, args, suffix);
    case "sqlite":
      return sqliteType(type, base, args);
  }
}

function postgresType(type: string, base: string, args: string | undefined, max: boolean, suffix: string): string {
  switch (base) {
    case "tinyint":
      return args === "1" ? "boolean" : "smallint";
    case "mediumint":
      return "integer";
    case "int unsigned":
    case "integer unsigned":
      return "bigint";
    case "datetime":
    case "datetime2":
    case "smalldatetime":
      return "timestamp";
    case "datetimeoffset":
      return "timestamptz";
    case "nvarchar":
    case "nchar":
      return max ? "text" : withArgs(base.slice(1), args);
    case "varchar":
      return max ? "text" : type;
    case "tinytext":
    case "mediumtext":
    case "longtext":
    case "ntext":
    case "clob":
      return "text";
    case "double":
      return "double precision";
    case "float":
      return args ? type : "double precision";
    case "bit":
      return args && args !== "1" ? type : "boolean";
    case "blob":
    case "tinyblob":
    case "mediumblob":
    case "longblob":
    case "binary":
    case "varbinary":
    case "image":
      return "bytea";
    case "uniqueidentifier":
      return "uuid";
    case "year":
      return "smallint";
    case "enum":
    case "set":
      return "text";
    default:
      return `${type}${suffix && !type.includes(suffix.trim()) ? suffix : ""}`;
  }
}

function mysqlType(type: string, base: string, args: string | undefined, max: boolean, suffix: string, inKey: boolean): string {
  switch (base) {
    case "integer":
    case "int4":
    case "serial":
      return "int";
    case "int2":
    case "smallserial":
      return "smallint";
    case "int8":
    case "bigserial":
      return "bigint";
    case "boolean":
    case "bool":
    case "bit":
      return "boolean";
    case "timestamptz":
    case "timestamp with time zone":
    case "timestamp without time zone":
    case "datetime2":
    case "smalldatetime":
    case "datetimeoffset":
      return "datetime";
    case "timestamp":
      return suffix.includes("time zone") ? "datetime" : "datetime";
    case "timetz":
      return "time";
    case "uuid":
    case "uniqueidentifier":
      return "char(36)";
    case "jsonb":
      return "json";
    case "bytea":
    case "image":
      return inKey ? "varbinary(255)" : "longblob";
    case "double precision":
    case "float8":
      return "double";
    case "float4":
      return "float";
    case "numeric":
      return withArgs("decimal", args);
    case "character varying":
    case "varchar":
    case "nvarchar":
      return max ? (inKey ? "varchar(255)" : "longtext") : `varchar(${args ?? "255"})`;
    case "character":
    case "nchar":
      return withArgs("char", args);
    case "text":
    case "ntext":
    case "citext":
    case "clob":
    case "tinytext":
    case "mediumtext":
    case "longtext":
      return inKey ? "varchar(255)" : base === "ntext" || base === "citext" || base === "clob" ? "text" : type;
    case "blob":
    case "tinyblob":
    case "mediumblob":
    case "longblob":
      return inKey ? "varbinary(255)" : type;
    case "inet":
    case "cidr":
      return "varchar(45)";
    case "money":
      return "decimal(19,4)";
    case "interval":
      return "varchar(64)";
    default:
      return suffix.includes("[]") ? "json" : type;
  }
}

function mssqlType(type: string, base: string, args: string | undefined, suffix: string): string {
  switch (base) {
    case "boolean":
    case "bool":
      return "bit";
    case "serial":
    case "int4":
    case "mediumint":
      return "int";
    case "bigserial":
    case "int8":
      return "bigint";
    case "smallserial":
    case "int2":
      return "smallint";
    case "text":
    case "citext":
    case "tinytext":
    case "mediumtext":
    case "longtext":
      return "nvarchar(max)";
    case "character varying":
      return withArgs("nvarchar", args ?? "max");
    case "timestamp":
    case "timestamp without time zone":
      return "datetime2";
    case "timestamptz":
    case "timestamp with time zone":
      return "datetimeoffset";
    case "uuid":
      return "uniqueidentifier";
    case "json":
    case "jsonb":
      return "nvarchar(max)";
    case "bytea":
    case "blob":
    case "longblob":
    case "mediumblob":
    case "tinyblob":
      return "varbinary(max)";
    case "double precision":
    case "double":
    case "float8":
      return "float";
    case "float4":
      return "real";
    default:
      return suffix.includes("[]") ? "nvarchar(max)" : type;
  }
}

function sqliteType(type: string, base: string, _args: string | undefined): string {
  // SQLite takes any type name; only names that would give the wrong affinity are translated.
  switch (base) {
    case "serial":
    case "bigserial":
    case "smallserial":
      return "integer";
    default:
      return type;
  }
}

/** Functions of the current time, as each dialect spells them. */
const NOW = /^\s*(now\(\)|current_timestamp(\(\))?|getdate\(\)|sysdatetime\(\)|localtimestamp|datetime\('now'\))\s*$/i;

/** Spellings of the current time each dialect takes as they are. */
const NATIVE_NOW: Record<SqlDialect, RegExp> = {
  postgres: /^(now\(\)|current_timestamp|localtimestamp)$/i,
  mysql: /^(now\(\)|current_timestamp(\(\))?|localtimestamp)$/i,
  sqlite: /^(current_timestamp|datetime\('now'\))$/i,
  mssql: /^(getdate\(\)|sysdatetime\(\)|current_timestamp)$/i,
};

/**
 * A default expression as `dialect` accepts it after `DEFAULT`: literals as they are, the current time
 * in the dialect's spelling, PostgreSQL casts dropped elsewhere, other expressions parenthesised where
 * the dialect requires it. Undefined when it cannot be carried over (a sequence's `nextval`).
 */
export function defaultFor(expression: string, dialect: SqlDialect, type: string): string | undefined {
  let text = expression.trim();
  while (/^\((.*)\)$/s.test(text) && balanced(text.slice(1, -1))) text = text.slice(1, -1).trim();
  if (/^nextval\s*\(/i.test(text)) return undefined;
  if (dialect !== "postgres") text = text.replace(/::[A-Za-z_][A-Za-z0-9_ ]*(\([^)]*\))?(\[\])?/g, "");
  if (NOW.test(text)) {
    if (!NATIVE_NOW[dialect].test(text)) return dialect === "mssql" ? "getdate()" : "CURRENT_TIMESTAMP";
    return dialect === "sqlite" && text.includes("(") ? `(${text})` : text;
  }
  const lower = text.toLowerCase();
  if (lower === "current_date" || lower === "curdate()") {
    if (dialect === "mssql") return "CAST(getdate() AS date)";
    return dialect === "mysql" ? "(CURRENT_DATE)" : "CURRENT_DATE";
  }
  // MySQL's and SQLite's booleans are integers: 0 and 1 become false and true where booleans are typed.
  if ((lower === "0" || lower === "1") && dialect === "postgres" && /^bool/i.test(type)) return lower === "1" ? "true" : "false";
  if (lower === "true" || lower === "false") {
    if (dialect === "mssql") return lower === "true" ? "1" : "0";
    if (dialect === "postgres" && /^(tinyint|bit|int|smallint)/i.test(type)) return lower === "true" ? "1" : "0";
    return lower.toUpperCase();
  }
  if (/^'(?:[^']|'')*'$/s.test(text) || /^[+-]?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(text) || lower === "null") return text;
  if (/^n'(?:[^']|'')*'$/is.test(text)) return dialect === "mssql" ? text : text.slice(1);
  if (/^gen_random_uuid\(\)|^uuid_generate_v4\(\)|^newid\(\)|^uuid\(\)$/i.test(text)) {
    if (dialect === "postgres") return "gen_random_uuid()";
    if (dialect === "mssql") return "newid()";
    if (dialect === "mysql") return "(uuid())";
    return undefined;
  }
  // Other expressions: SQLite and MySQL want them parenthesised.
  return dialect === "sqlite" || dialect === "mysql" ? `(${text})` : text;
}

function balanced(text: string): boolean {
  let depth = 0;
  let quoted = false;
  for (const ch of text) {
    if (ch === "'") quoted = !quoted;
    if (quoted) continue;
    if (ch === "(") depth++;
    if (ch === ")" && --depth < 0) return false;
  }
  return depth === 0;
}
