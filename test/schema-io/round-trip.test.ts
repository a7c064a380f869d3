import { describe, expect, it } from "vitest";
import { exportSchema } from "../../src/schema-io/export.ts";
import { IMPORT_FORMATS } from "../../src/schema-io/model.ts";
import { FIXTURES, fixture, imported, shapeOf } from "./helpers.ts";

describe("round trips: import, export, import", () => {
  for (const format of IMPORT_FORMATS) {
    // SPEC: REST-19
    it(`gives the same tables, columns, keys and relationships for ${format} (${FIXTURES[format]})`, async () => {
      const first = await imported(format, fixture(FIXTURES[format]));
      expect(first.tables.length).toBeGreaterThan(4);
      const second = await imported(format, exportSchema(first, format));
      // SQLite has no comments; SQL Server keeps them as extended properties, which the parser skips.
      const comments = format !== "sqlite" && format !== "mssql";
      expect(shapeOf(second, { comments })).toEqual(shapeOf(first, { comments }));
    });
  }

  for (const target of IMPORT_FORMATS) {
    it(`carries the 29-table PostgreSQL schema through ${target} with every key and relationship`, async () => {
      const original = await imported("postgres", fixture(FIXTURES.postgres));
      expect(original.tables).toHaveLength(29);
      const carried = await imported(target, exportSchema(original, target));
      // Types and defaults are translated between dialects; names, nullability, keys and references are not.
      const options = { types: false, defaults: false, comments: target === "postgres" || target === "mysql" || target === "dbml" };
      const expected = shapeOf(original, options);
      // T-SQL has no RESTRICT; NO ACTION refuses the same deletes.
      if (target === "mssql") for (const r of expected.relationships) if (r.on_delete === "restrict") r.on_delete = "no_action";
      expect(shapeOf(carried, options)).toEqual(expected);
    });
  }
});
