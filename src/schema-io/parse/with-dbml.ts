/** Parsing through `@dbml/core`: its errors carry line and column, which become a {@link SchemaParseError}. */
import { Parser } from "@dbml/core";
import { SchemaParseError, type ImportWarning, type ParsedSchema } from "../model.ts";
import { sortStatements, type Statement } from "../statements.ts";
import { fromDbmlDatabase } from "./dbml-model.ts";

type DbmlFormat = "postgres" | "mysql" | "mssql" | "dbml";

/**
 * SQL in one of `@dbml/core`'s dialects: statements the diagram has no place for are skipped (and
 * listed as warnings) before the parser sees the rest.
 */
export function parseSqlWithDbml(source: string, dialect: Exclude<DbmlFormat, "dbml">): ParsedSchema {
  const sorted = sortStatements(source, dialect);
  if (sorted.keptStatements.length === 0) return { tables: [], relationships: [], warnings: sorted.warnings };
  const text = dialect === "postgres" ? spellTypesShort(sorted.kept) : sorted.kept;
  let database;
  try {
    database = Parser.parse(text, dialect);
  } catch (error) {
    throw toParseError(error) ?? locateByStatement(sorted.kept, sorted.keptStatements, dialect, error);
  }
  const schema = fromDbmlDatabase(database, sorted.warnings, true);
  return dialect === "mysql" ? unescapeMysqlStrings(schema) : schema;
}

/** `@dbml/core`'s MySQL reader leaves string escapes (`''`, `\'`) in comments and string defaults. */
function unescapeMysqlStrings(schema: ParsedSchema): ParsedSchema {
  const unescape = (text: string) => text.replace(/''|\\(.)/g, (match, escaped: string | undefined) => (match === "''" ? "'" : (MYSQL_ESCAPES[escaped as string] ?? escaped) as string));
  for (const table of schema.tables) {
    if (table.comment !== undefined) table.comment = unescape(table.comment);
    for (const column of table.columns) {
      if (column.comment !== undefined) column.comment = unescape(column.comment);
      const string = column.default === undefined ? null : /^'(.*)'$/s.exec(column.default);
      if (string) column.default = `'${unescape((string[1] as string).replaceAll("''", "'")).replaceAll("'", "''")}'`;
    }
  }
  return schema;
}

const MYSQL_ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", "0": "\0" };

/**
 * The PostgreSQL reader drops `with time zone` from `timestamp with time zone` (pg_dump's spelling):
 * such types are rewritten to their short names, padded with spaces so that positions stay the
 * source's. String literals are left alone.
 */
function spellTypesShort(text: string): string {
  const pad = (short: string) => (long: string) => short.padEnd(long.length, " ");
  return text
    .split(/('(?:[^']|'')*')/)
    .map((part, i) =>
      i % 2 === 1
        ? part
        : part
            .replace(/\btimestamp(\s*\(\s*\d+\s*\))?\s+with\s+time\s+zone\b/gi, (long, p: string | undefined) => `timestamptz${p ? p.replace(/\s+/g, "") : ""}`.padEnd(long.length, " "))
            .replace(/\btimestamp(\s*\(\s*\d+\s*\))?\s+without\s+time\s+zone\b/gi, (long, p: string | undefined) => `timestamp${p ? p.replace(/\s+/g, "") : ""}`.padEnd(long.length, " "))
            .replace(/\btime\s+with\s+time\s+zone\b/gi, pad("timetz"))
            .replace(/\btime\s+without\s+time\s+zone\b/gi, pad("time")),
    )
    .join("");
}

/** DBML source. */
export function parseDbmlSource(source: string, warnings: ImportWarning[] = []): ParsedSchema {
  try {
    return fromDbmlDatabase(Parser.parse(source, "dbml"), warnings);
  } catch (error) {
    throw toParseError(error) ?? new SchemaParseError(messageOf(error), 1, 1);
  }
}

/** The first diagnostic with a location, as a SchemaParseError. */
function toParseError(error: unknown): SchemaParseError | undefined {
  const diags = (error as { diags?: unknown }).diags;
  if (!Array.isArray(diags)) return undefined;
  for (const diag of diags as { location?: { start?: { line?: unknown; column?: unknown } }; message?: unknown; text?: unknown }[]) {
    const start = diag?.location?.start;
    if (typeof start?.line !== "number" || typeof start.column !== "number") continue;
    // The SQL grammars (ANTLR, diagnostics with `text`) count columns from 0; the DBML parser from 1.
    const column = typeof diag.text === "string" ? start.column + 1 : start.column;
    return new SchemaParseError(shorten(String(diag.message ?? diag.text ?? "syntax error")), start.line, Math.max(1, column));
  }
  return undefined;
}

/**
 * Some parser failures come without a position (an internal error on odd input). The first statement
 * at which the source stops parsing is found by bisecting on prefixes of the kept statements, and
 * its start reported (or the position the parser gives for that prefix).
 */
function locateByStatement(kept: string, statements: Statement[], dialect: Exclude<DbmlFormat, "dbml">, original: unknown): SchemaParseError {
  const failure = (count: number): unknown => {
    const last = statements[count - 1] as Statement;
    try {
      Parser.parse(kept.slice(0, last.end), dialect);
      return undefined;
    } catch (error) {
      return error;
    }
  };
  let lo = 1;
  let hi = statements.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (failure(mid) === undefined) lo = mid + 1;
    else hi = mid;
  }
  const error = failure(lo) ?? original;
  const statement = statements[lo - 1] as Statement;
  const located = toParseError(error);
  if (located) return located;
  const column = statement.start - kept.lastIndexOf("\n", statement.start - 1);
  return new SchemaParseError(`${shorten(messageOf(error))} (in the statement starting here)`, statement.line, column);
}

function messageOf(error: unknown): string {
  const diags = (error as { diags?: { message?: unknown; text?: unknown }[] }).diags;
  const first = Array.isArray(diags) ? diags[0] : undefined;
  return String(first?.message ?? first?.text ?? (error as Error).message ?? error);
}

/** ANTLR lists every token it expected; the first few say enough. */
function shorten(message: string): string {
  const trimmed = message.replace(/expecting \{([^}]*)\}/, (_, list: string) => {
    const items = list.split(", ");
    return `expecting ${items.slice(0, 6).join(", ")}${items.length > 6 ? ", …" : ""}`;
  });
  return trimmed.length > 300 ? `${trimmed.slice(0, 297)}...` : trimmed;
}
