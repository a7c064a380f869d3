/**
 * SQLite takes any words as a column's type (`UUID`, `TIMESTAMPTZ`, `UNSIGNED BIG INT`), while
 * node-sql-parser's SQLite grammar knows a fixed list. The types are therefore read here, from the
 * source, and the parser is shown a type it knows in their place — same length, so that positions in
 * its errors stay the source's.
 */

export interface ColumnType {
  table: string;
  column: string;
  type: string;
}

/** Words that end a column's type: the start of a column constraint. */
const CONSTRAINT_WORDS = new Set(["CONSTRAINT", "PRIMARY", "NOT", "NULL", "UNIQUE", "CHECK", "DEFAULT", "COLLATE", "REFERENCES", "GENERATED", "AS", "AUTOINCREMENT"]);
const TABLE_CONSTRAINTS = new Set(["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"]);

/** Finds every column type in `text` (the statements kept for parsing) and returns them with `text` rewritten. */
export function extractColumnTypes(text: string, statements: { start: number; end: number }[]): { text: string; types: ColumnType[] } {
  const chars = text.split("");
  const types: ColumnType[] = [];
  for (const { start, end } of statements) {
    const statement = text.slice(start, end);
    const head = /^\s*CREATE\s+(?:TEMP\s+|TEMPORARY\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?((?:"(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\]|[\w$]+)(?:\s*\.\s*(?:"(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\]|[\w$]+))?)\s*\(/i.exec(statement);
    if (!head) continue;
    const table = unquote((head[1] as string).split(/\s*\.\s*/).at(-1) as string);
    for (const part of topLevelParts(statement, head[0].length)) {
      const tokens = [...part.text.matchAll(/"(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\]|'(?:[^']|'')*'|\([^()]*(?:\([^()]*\)[^()]*)*\)|[^\s(]+/g)];
      const first = tokens[0];
      if (!first || TABLE_CONSTRAINTS.has(first[0].toUpperCase())) continue;
      let typeEnd = -1;
      let typeStart = -1;
      for (const token of tokens.slice(1)) {
        if (CONSTRAINT_WORDS.has(token[0].toUpperCase())) break;
        if (typeStart === -1) typeStart = token.index as number;
        typeEnd = (token.index as number) + token[0].length;
      }
      if (typeStart === -1) continue;
      const type = part.text.slice(typeStart, typeEnd);
      types.push({ table, column: unquote(first[0]), type: type.replace(/\s+/g, " ") });
      const at = start + part.start + typeStart;
      const stand = standIn(type.length);
      for (let i = 0; i < type.length; i++) if (chars[at + i] !== "\n") chars[at + i] = stand[i] ?? " ";
    }
  }
  return { text: chars.join(""), types };
}

/** A type the grammar knows, no longer than the original (padded with spaces). */
function standIn(length: number): string {
  const word = length >= 4 ? "TEXT" : "INT";
  return word.padEnd(length, " ");
}

function unquote(name: string): string {
  if (/^".*"$/s.test(name)) return name.slice(1, -1).replaceAll('""', '"');
  if (/^(`.*`|\[.*\])$/s.test(name)) return name.slice(1, -1);
  return name;
}

/** The comma-separated parts of the parenthesised list that starts at `from`, with offsets. */
function topLevelParts(statement: string, from: number): { start: number; text: string }[] {
  const parts: { start: number; text: string }[] = [];
  let depth = 0;
  let partStart = from;
  for (let i = from; i < statement.length; i++) {
    const ch = statement[i];
    if (ch === "'" || ch === '"' || ch === "`" || ch === "[") {
      const close = ch === "[" ? "]" : ch;
      i = statement.indexOf(close, i + 1);
      if (i === -1) break;
      continue;
    }
    if (ch === "(") depth++;
    else if (ch === ")") {
      if (depth === 0) {
        parts.push({ start: partStart, text: statement.slice(partStart, i) });
        break;
      }
      depth--;
    } else if (ch === "," && depth === 0) {
      parts.push({ start: partStart, text: statement.slice(partStart, i) });
      partStart = i + 1;
    }
  }
  return parts;
}
