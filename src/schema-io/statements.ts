/**
 * Splits SQL source into statements and sorts them into what a diagram holds (tables, their keys and
 * comments) and what it does not (views, functions, triggers, sequences, data, session settings).
 * Parsers then see only the first kind — with every other statement blanked out in place, so the line
 * and column a parser reports are still the source's own.
 */
import type { ImportWarning, SqlDialect } from "./model.ts";

export interface Statement {
  /** Offsets of the statement's text in the source, terminator excluded. */
  start: number;
  end: number;
  /** 1-based line of its first character. */
  line: number;
  text: string;
}

export interface SortedSource {
  /** The source with every statement the diagram has no place for replaced by spaces (newlines kept). */
  kept: string;
  statements: Statement[];
  keptStatements: Statement[];
  warnings: ImportWarning[];
}

/** Sorts `source`'s statements; see the module comment. */
export function sortStatements(source: string, dialect: SqlDialect): SortedSource {
  const statements = splitStatements(source, dialect);
  const chars = source.split("");
  const keptStatements: Statement[] = [];
  const warnings: ImportWarning[] = [];
  for (const statement of statements) {
    const verdict = classify(statement.text);
    if (verdict === "keep") {
      keptStatements.push(statement);
      continue;
    }
    warnings.push({ line: statement.line, statement: headline(statement.text), reason: verdict });
    for (let i = statement.start; i < statement.end; i++) if (chars[i] !== "\n" && chars[i] !== "\r") chars[i] = " ";
  }
  // Separators that are not SQL (T-SQL's GO, MySQL's DELIMITER lines) go too.
  return { kept: blankSeparators(chars.join(""), dialect), statements, keptStatements, warnings };
}

/** The first words of a statement, for a warning: `CREATE VIEW active_users`. */
export function headline(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  const words = flat.split(" ");
  const firstParen = words.findIndex((w) => w.includes("("));
  const cut = words.slice(0, Math.min(firstParen === -1 ? 4 : firstParen + 1, 4)).join(" ").replace(/\(.*$/, "");
  return cut.length > 80 ? `${cut.slice(0, 77)}...` : cut;
}

/** "keep", or why the statement is skipped. */
function classify(text: string): "keep" | string {
  const words = leadingWords(text, 8);
  const [first, second] = words;
  if (first === "CREATE") {
    const rest = words.slice(1).filter((w) => !CREATE_MODIFIERS.has(w));
    const object = rest[0];
    if (object === "TABLE") {
      if (/\bPARTITION\s+OF\b/i.test(text)) return "a partition has no place of its own in a diagram (its parent table is imported)";
      if (/\)\s*AS\s+SELECT\b|^\s*CREATE\s+[\w\s]*TABLE\s+[^(]*\bAS\b/i.test(text)) return "CREATE TABLE AS copies a query's result; its columns are not declared";
      return "keep";
    }
    if (object === "INDEX") return "indexes are not part of the diagram";
    if (object !== undefined) return `${object.toLowerCase()}s are not part of the diagram`;
  }
  if (first === "ALTER" && second === "TABLE") {
    if (/\bFOREIGN\s+KEY\b|\bPRIMARY\s+KEY\b/i.test(text)) return "keep";
    if (/\bADD\s+(CONSTRAINT\s+\S+\s+)?UNIQUE\b/i.test(text)) return "keep";
    if (/\bCHECK\b/i.test(text)) return "CHECK constraints are not part of the diagram";
    return "only keys added by ALTER TABLE are imported";
  }
  if (first === "COMMENT" && second === "ON" && (words[2] === "TABLE" || words[2] === "COLUMN")) return "keep";
  if (first === "INSERT" || first === "COPY" || first === "UPDATE" || first === "DELETE") return "data is not part of the diagram";
  if (first === undefined) return "not a statement";
  return `${first} statements are not part of the diagram`;
}

const CREATE_MODIFIERS = new Set(["OR", "REPLACE", "TEMP", "TEMPORARY", "UNLOGGED", "GLOBAL", "LOCAL", "UNIQUE", "CLUSTERED", "NONCLUSTERED", "MATERIALIZED", "RECURSIVE", "DEFINER", "ALGORITHM", "SQL", "SECURITY", "IF", "NOT", "EXISTS", "VIRTUAL", "CONSTRAINT", "TRUSTED", "PROCEDURAL", "DEFAULT", "FULLTEXT", "SPATIAL"]);

/** The first `n` bare words of a statement, upper-cased (comments skipped). */
function leadingWords(text: string, n: number): string[] {
  const stripped = text.replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, " ");
  return (stripped.match(/[A-Za-z_][A-Za-z_0-9]*|=/g) ?? []).slice(0, n).map((w) => w.toUpperCase());
}

/**
 * Statement boundaries: `;` outside strings, quoted names, comments and dollar quotes; T-SQL's `GO`
 * line; MySQL's `DELIMITER` lines; and the `BEGIN … END` body of a trigger or routine, whose inner
 * semicolons do not end it.
 */
export function splitStatements(source: string, dialect: SqlDialect): Statement[] {
  const statements: Statement[] = [];
  let delimiter = ";";
  let start = 0;
  let depth = 0;
  let i = 0;
  const lineStarts = [0];
  for (let k = 0; k < source.length; k++) if (source[k] === "\n") lineStarts.push(k + 1);
  const lineOf = (offset: number): number => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lineStarts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  const push = (end: number): void => {
    const raw = source.slice(start, end);
    // Comments before a statement are not part of it: its line is that of its first word.
    const lead = /^(?:\s|--[^\n]*|\/\*[\s\S]*?\*\/)*/.exec(raw)?.[0].length ?? 0;
    const text = raw.slice(lead).trimEnd();
    if (text.length > 0) {
      statements.push({ start: start + lead, end: start + lead + text.length, line: lineOf(start + lead), text });
    }
  };
  const atLineStart = (k: number): boolean => k === 0 || source[k - 1] === "\n";
  while (i < source.length) {
    const c = source[i] as string;
    const next = source[i + 1];
    if (c === "-" && next === "-") {
      i = lineEnd(source, i);
      continue;
    }
    if (c === "#" && dialect === "mysql") {
      i = lineEnd(source, i);
      continue;
    }
    if (c === "/" && next === "*") {
      const close = source.indexOf("*/", i + 2);
      i = close === -1 ? source.length : close + 2;
      continue;
    }
    if (c === "'" || c === '"' || c === "`" || (c === "[" && dialect === "mssql")) {
      i = quoteEnd(source, i, c === "[" ? "]" : c, dialect === "mysql" && c !== "`");
      continue;
    }
    if (c === "$" && dialect === "postgres") {
      const tag = /^\$[A-Za-z_]*\$/.exec(source.slice(i, i + 64))?.[0];
      if (tag) {
        const close = source.indexOf(tag, i + tag.length);
        i = close === -1 ? source.length : close + tag.length;
        continue;
      }
    }
    if (atLineStart(i)) {
      const line = source.slice(i, lineEnd(source, i));
      if (dialect === "mssql" && /^\s*GO\s*(\d+\s*)?$/i.test(line)) {
        push(i);
        i = lineEnd(source, i);
        start = i;
        depth = 0;
        continue;
      }
      const declared = dialect === "mysql" ? /^\s*DELIMITER\s+(\S+)\s*$/i.exec(line) : null;
      if (declared) {
        push(i);
        delimiter = declared[1] as string;
        i = lineEnd(source, i);
        start = i;
        continue;
      }
    }
    if (/[A-Za-z_]/.test(c) && (i === 0 || !/[A-Za-z_0-9$]/.test(source[i - 1] as string))) {
      const word = /^[A-Za-z_][A-Za-z_0-9$]*/.exec(source.slice(i, i + 64))?.[0] ?? c;
      const upper = word.toUpperCase();
      // Only these words matter, and only inside a routine: test for one only when one appears.
      if ((upper === "BEGIN" || upper === "CASE" || upper === "END") && isRoutine(source.slice(start, i))) {
        if (upper === "BEGIN" || upper === "CASE") depth++;
        else if (upper === "END" && !/^\s+(IF|LOOP|WHILE|REPEAT)\b/i.test(source.slice(i + 3, i + 12))) depth = Math.max(0, depth - 1);
      }
      i += word.length;
      continue;
    }
    if (source.startsWith(delimiter, i) && depth === 0) {
      push(i);
      i += delimiter.length;
      start = i;
      continue;
    }
    i++;
  }
  push(source.length);
  return statements;
}

/** Whether a statement so far is a trigger, function or procedure, whose body may hold semicolons. */
function isRoutine(head: string): boolean {
  return /^\s*CREATE\s+(?:OR\s+REPLACE\s+|DEFINER\s*=\s*\S+\s+)?(?:TRIGGER|FUNCTION|PROCEDURE|EVENT)\b/i.test(head.replace(/^(\s|--[^\n]*\n|\/\*[\s\S]*?\*\/)*/, ""));
}

function lineEnd(source: string, i: number): number {
  const nl = source.indexOf("\n", i);
  return nl === -1 ? source.length : nl;
}

/** The offset after a quoted string or name opened at `i`; a doubled quote escapes, as may a backslash. */
function quoteEnd(source: string, i: number, close: string, backslash: boolean): number {
  let k = i + 1;
  while (k < source.length) {
    const ch = source[k];
    if (backslash && ch === "\\") {
      k += 2;
      continue;
    }
    if (ch === close) {
      if (source[k + 1] === close) {
        k += 2;
        continue;
      }
      return k + 1;
    }
    k++;
  }
  return source.length;
}

/** Blanks T-SQL `GO` lines and MySQL `DELIMITER` lines, which are client commands, not SQL. */
function blankSeparators(text: string, dialect: SqlDialect): string {
  if (dialect === "mssql") return text.replace(/^[ \t]*GO[ \t]*(\d+[ \t]*)?$/gim, (m) => " ".repeat(m.length));
  if (dialect === "mysql") return text.replace(/^[ \t]*DELIMITER[ \t]+\S+[ \t]*$/gim, (m) => " ".repeat(m.length));
  return text;
}
