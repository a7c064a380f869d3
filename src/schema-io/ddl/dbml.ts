/** DBML (dbdiagram.io's language): tables with their settings, composite keys as indexes, refs. */
import type { ColumnJson, RelationshipValues, TableValues } from "../../schema-doc/index.ts";
import type { SchemaValues } from "../merge-plan.ts";

const name = (text: string) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(text) ? text : `"${text.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`);
const note = (text: string) => (text.includes("\n") ? `'''${text.replaceAll("\\", "\\\\").replaceAll("'''", "\\'''")}'''` : `'${text.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`);
const type = (text: string) => (/^[A-Za-z_][A-Za-z0-9_]*(\([^()"]*\))?(\[\])?$/.test(text) ? text : `"${text.replaceAll('"', '\\"')}"`);

const ACTIONS: Record<string, string> = { cascade: "cascade", restrict: "restrict", set_null: "set null", set_default: "set default", no_action: "no action" };
const ARROWS = { one_to_many: ">", one_to_one: "-", many_to_many: "<>" } as const;

export function dbmlDocument(schema: SchemaValues): string {
  const tables = new Map(schema.tables.map((t) => [t.id, t]));
  const sorted = [...schema.tables].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const blocks = sorted.map(tableBlock);
  const refs = schema.relationships.flatMap((r) => refLine(r, tables) ?? []);
  return `${[...blocks, refs.join("\n")].filter((b) => b !== "").join("\n\n")}\n`;
}

function tableBlock(table: TableValues): string {
  const primary = table.columns.filter((c) => c.primary_key);
  const lines = table.columns.map((c) => `  ${name(c.name)} ${type(c.type)}${settings(c, primary.length === 1)}`);
  if (primary.length > 1) lines.push("", "  Indexes {", `    (${primary.map((c) => name(c.name)).join(", ")}) [pk]`, "  }");
  if (table.comment) lines.push("", `  Note: ${note(table.comment)}`);
  return `Table ${name(table.name)} {\n${lines.join("\n")}\n}`;
}

function settings(c: ColumnJson, singlePrimary: boolean): string {
  const parts: string[] = [];
  if (c.primary_key && singlePrimary) parts.push("pk");
  if (!c.nullable && !(c.primary_key && singlePrimary)) parts.push("not null");
  if (c.unique && !(c.primary_key && singlePrimary)) parts.push("unique");
  if (c.default !== undefined) parts.push(`default: ${defaultValue(c.default)}`);
  if (c.comment) parts.push(`note: ${note(c.comment)}`);
  return parts.length > 0 ? ` [${parts.join(", ")}]` : "";
}

/** SQL default text as a DBML default: strings, numbers and booleans as literals, the rest as an expression. */
function defaultValue(text: string): string {
  const string = /^'((?:[^']|'')*)'$/s.exec(text);
  if (string) return note((string[1] as string).replaceAll("''", "'"));
  if (/^-?\d+(\.\d+)?$/.test(text) || /^(true|false|null)$/i.test(text)) return text.toLowerCase();
  return `\`${text.replaceAll("`", "\\`")}\``;
}

function refLine(r: RelationshipValues, tables: Map<string, TableValues>): string | undefined {
  const from = tables.get(r.from_table);
  const to = tables.get(r.to_table);
  if (!from || !to) return undefined;
  const columns = (table: TableValues, ids: string[]) => {
    const names = ids.map((id) => name(table.columns.find((c) => c.id === id)?.name ?? id));
    return names.length === 1 ? (names[0] as string) : `(${names.join(", ")})`;
  };
  const options = [r.on_delete && `delete: ${ACTIONS[r.on_delete]}`, r.on_update && `update: ${ACTIONS[r.on_update]}`].filter(Boolean);
  return `Ref${r.name ? ` ${name(r.name)}` : ""}: ${name(from.name)}.${columns(from, r.from_columns)} ${ARROWS[r.cardinality]} ${name(to.name)}.${columns(to, r.to_columns)}${options.length > 0 ? ` [${options.join(", ")}]` : ""}`;
}
