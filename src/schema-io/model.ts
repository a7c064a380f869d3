/**
 * What a parsed schema source says, by name: the common form every parser produces and the merge plan
 * reads. Ids appear only when the plan matches these against the live diagram.
 */
import type { Cardinality, ReferentialAction } from "../schema-doc/index.ts";

/** The source formats an import reads. */
export const IMPORT_FORMATS = ["postgres", "mysql", "sqlite", "mssql", "dbml"] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** `merge` keeps what the source does not mention; `replace` removes it (see merge-plan.ts). */
export const IMPORT_MODES = ["merge", "replace"] as const;
export type ImportMode = (typeof IMPORT_MODES)[number];

/** The formats an export writes: every import format and the diagram's own JSON. */
export const EXPORT_FORMATS = [...IMPORT_FORMATS, "json"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** SQL dialects LiveShare writes DDL for. */
export const SQL_DIALECTS = ["postgres", "mysql", "sqlite", "mssql"] as const;
export type SqlDialect = (typeof SQL_DIALECTS)[number];

export interface ParsedColumn {
  name: string;
  type: string;
  nullable: boolean;
  primary_key: boolean;
  unique: boolean;
  default?: string;
  comment?: string;
}

export interface ParsedTable {
  name: string;
  comment?: string;
  columns: ParsedColumn[];
}

/** A foreign key: `from_columns` of `from_table` reference `to_columns` of `to_table`. */
export interface ParsedRelationship {
  name?: string;
  from_table: string;
  from_columns: string[];
  to_table: string;
  to_columns: string[];
  cardinality: Cardinality;
  on_delete?: ReferentialAction;
  on_update?: ReferentialAction;
}

/** A statement or clause the diagram has no place for, skipped rather than refused. */
export interface ImportWarning {
  /** 1-based line where the skipped statement starts, when the parser tells. */
  line?: number;
  /** What was skipped, e.g. `CREATE VIEW active_users` or `CHECK on orders`. */
  statement: string;
  reason: string;
}

export interface ParsedSchema {
  tables: ParsedTable[];
  relationships: ParsedRelationship[];
  warnings: ImportWarning[];
}

/** A source that does not parse: where, as the parser said it (1-based line and column). */
export class SchemaParseError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
    this.name = "SchemaParseError";
  }
}

/** `ON DELETE SET NULL` and friends as LiveShare spells them; undefined for anything else. */
export function referentialAction(text: unknown): ReferentialAction | undefined {
  if (typeof text !== "string") return undefined;
  switch (text.trim().toLowerCase().replace(/\s+/g, " ")) {
    case "cascade":
      return "cascade";
    case "restrict":
      return "restrict";
    case "set null":
      return "set_null";
    case "set default":
      return "set_default";
    case "no action":
      return "no_action";
    default:
      return undefined;
  }
}
