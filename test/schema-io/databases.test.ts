import { afterEach, describe, expect, it } from "vitest";
import { exportSchema } from "../../src/schema-io/export.ts";
import { comparable, mysqlDatabase, postgresSchema, sqliteDatabase } from "./catalogs.ts";
import { FIXTURES, fixture, imported, shapeOf } from "./helpers.ts";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** The diagram as the catalogs can show it: names, nullability, keys, references; comments where the database keeps them. */
const expected = (schema: ReturnType<typeof imported>, comments: boolean, innodb = false) =>
  comparable(shapeOf(schema, { types: false, defaults: false, names: false, comments }), innodb);

describe("exported DDL executed by the real databases", () => {
  for (const source of ["postgres", "mysql", "sqlite"] as const) {
    it(`PostgreSQL accepts the PostgreSQL export of the ${source} fixture and its catalog matches the diagram`, async () => {
      const diagram = imported(source, fixture(FIXTURES[source]));
      const db = await postgresSchema();
      closers.push(db.close);
      await db.run(exportSchema(diagram, "postgres"));
      expect(await db.shape()).toEqual(expected(diagram, true));
    });

    it(`MariaDB accepts the MySQL export of the ${source} fixture and its catalog matches the diagram`, async () => {
      const diagram = imported(source, fixture(FIXTURES[source]));
      const db = await mysqlDatabase();
      closers.push(db.close);
      await db.run(exportSchema(diagram, "mysql"));
      expect(await db.shape()).toEqual(expected(diagram, true, true));
    });

    it(`SQLite accepts the SQLite export of the ${source} fixture and its catalog matches the diagram`, async () => {
      const diagram = imported(source, fixture(FIXTURES[source]));
      const db = await sqliteDatabase();
      closers.push(db.close);
      db.run(exportSchema(diagram, "sqlite"));
      expect(await db.shape()).toEqual(expected(diagram, false));
    });
  }
});
