import { describe, expect, it } from "vitest";
import { SchemaParseError, type ImportFormat } from "../../src/schema-io/model.ts";
import { parseSchema } from "../../src/schema-io/parse/index.ts";
import { splitStatements } from "../../src/schema-io/statements.ts";

const parseError = (format: ImportFormat, source: string): SchemaParseError => {
  try {
    parseSchema(format, source);
  } catch (error) {
    if (error instanceof SchemaParseError) return error;
    throw error;
  }
  throw new Error("it parsed");
};

describe("reading DDL", () => {
  it("splits statements around semicolons in strings, dollar quotes and routine bodies", () => {
    const postgres = "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\nCOMMENT ON TABLE a IS 'x; y';\nCREATE TABLE a (id int);";
    expect(splitStatements(postgres, "postgres").map((s) => s.line)).toEqual([1, 2, 3]);
    const sqlite = "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  UPDATE a SET x = 1;\n  SELECT CASE WHEN 1 THEN 2 END;\nEND;\nCREATE TABLE b (id int);";
    expect(splitStatements(sqlite, "sqlite").map((s) => s.line)).toEqual([1, 5]);
    const mysql = "DELIMITER ;;\nCREATE TRIGGER t BEFORE UPDATE ON a FOR EACH ROW BEGIN\n  SET NEW.x = 1;\nEND ;;\nDELIMITER ;\nCREATE TABLE b (id int);";
    expect(splitStatements(mysql, "mysql").map((s) => s.line)).toEqual([2, 6]);
    const mssql = "CREATE TABLE a (id int)\nGO\nCREATE VIEW v AS SELECT 1 AS one\nGO\n";
    expect(splitStatements(mssql, "mssql").map((s) => s.line)).toEqual([1, 3]);
  });

  it("reads inline, table-level and ALTER TABLE foreign keys alike, composite ones included", () => {
    const parsed = parseSchema(
      "postgres",
      `CREATE TABLE a (x int, y int, PRIMARY KEY (x, y));
       CREATE TABLE b (id int PRIMARY KEY, ax int REFERENCES a(x) ON DELETE CASCADE, x int, y int,
         CONSTRAINT b_a FOREIGN KEY (x, y) REFERENCES a (x, y) ON UPDATE SET NULL);
       CREATE TABLE c (id int PRIMARY KEY, b_id int);
       ALTER TABLE ONLY c ADD CONSTRAINT c_b FOREIGN KEY (b_id) REFERENCES b(id) ON DELETE SET DEFAULT;`,
    );
    expect(parsed.relationships.map((r) => [r.from_table, r.from_columns, r.to_table, r.to_columns, r.on_delete ?? null, r.on_update ?? null])).toEqual([
      ["b", ["ax"], "a", ["x"], "cascade", null],
      ["b", ["x", "y"], "a", ["x", "y"], null, "set_null"],
      ["c", ["b_id"], "b", ["id"], "set_default", null],
    ]);
    expect(parsed.tables[0]?.columns.map((c) => [c.name, c.primary_key, c.unique, c.nullable])).toEqual([
      ["x", true, false, false],
      ["y", true, false, false],
    ]);
  });

  it("lists what the diagram has no place for instead of refusing it", () => {
    const parsed = parseSchema(
      "postgres",
      `CREATE SEQUENCE s;
       CREATE TABLE t (id int PRIMARY KEY DEFAULT nextval('s'), n int CHECK (n > 0));
       CREATE VIEW v AS SELECT 1;
       INSERT INTO t VALUES (1, 1);`,
    );
    expect(parsed.tables.map((t) => t.name)).toEqual(["t"]);
    expect(parsed.tables[0]?.columns[0]?.default).toBeUndefined();
    expect(parsed.warnings.map((w) => w.statement)).toEqual(["CREATE SEQUENCE s", "CREATE VIEW v AS", "INSERT INTO t VALUES", "DEFAULT nextval('s') on t.id", "CHECK on t.n"]);
  });

  it("reports where a source stops parsing, as the parser says, in every format", () => {
    const source = "CREATE TABLE a (\n  id int PRIMARY KEY,\n  x int NOT NULL DEFAULT,\n);";
    for (const format of ["postgres", "mysql", "sqlite"] as const) expect(parseError(format, source)).toMatchObject({ line: 3, column: 25 });
    // Line 5 after the blank lines of skipped statements: positions stay the source's.
    const later = "CREATE VIEW v AS SELECT 1;\nCREATE TABLE ok (id int);\n\nCREATE TABLE a (\n  id int PRIMARY KEY,,\n);";
    expect(parseError("postgres", later)).toMatchObject({ line: 5 });
    expect(parseError("dbml", "Table a {\n  id int [pk\n}\n")).toMatchObject({ line: 3, column: 1 });
  });

  it("keeps pg_dump's spelling of types and escaped string defaults", () => {
    const parsed = parseSchema(
      "postgres",
      "CREATE TABLE a (\n  at timestamp with time zone DEFAULT now(),\n  ratio double precision,\n  label character varying(20) DEFAULT 'it''s'\n);",
    );
    expect(parsed.tables[0]?.columns.map((c) => [c.type, c.default ?? null])).toEqual([
      ["timestamptz", "now()"],
      ["double precision", null],
      ["character varying(20)", "'it''s'"],
    ]);
  });

  it("reads SQLite column types its parser's grammar does not know", () => {
    const parsed = parseSchema("sqlite", "CREATE TABLE device (id UUID PRIMARY KEY, at TIMESTAMPTZ, size UNSIGNED BIG INT);");
    expect(parsed.tables[0]?.columns.map((c) => c.type)).toEqual(["UUID", "TIMESTAMPTZ", "UNSIGNED BIG INT"]);
  });
});
