import { afterEach, describe, expect, it } from "vitest";
import { diffSchemas } from "../../src/schema-io/diff.ts";
import { migrationSql } from "../../src/schema-io/ddl/migration.ts";
import { exportSchema } from "../../src/schema-io/export.ts";
import type { SchemaValues } from "../../src/schema-io/merge-plan.ts";
import { comparable, mysqlDatabase, postgresSchema } from "./catalogs.ts";
import { FIXTURES, fixture, imported, shapeOf } from "./helpers.ts";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** The shop schema a release later: renames, new and dropped columns and tables, changed keys and actions. */
function evolve(from: SchemaValues): SchemaValues {
  const to: SchemaValues = structuredClone(from);
  const table = (name: string) => to.tables.find((t) => t.name === name)!;
  const column = (tableName: string, name: string) => table(tableName).columns.find((c) => c.name === name)!;
  table("brand").name = "manufacturer";
  column("product", "weight_grams").name = "weight_g";
  column("product", "description").type = "varchar(2000)";
  column("address", "postal_code").nullable = false;
  column("address", "postal_code").default = "'00000'";
  column("coupon", "percent_off").comment = "0 to 100";
  table("review").columns = table("review").columns.filter((c) => c.name !== "body");
  table("tag").columns.find((c) => c.name === "label")!.unique = false;
  table("warehouse").columns.push({ id: "c-new-capacity", name: "capacity", type: "integer", nullable: true, primary_key: false, unique: false, default: "0" });
  column("session", "user_id").unique = true;
  // The price history gets a surrogate key instead of its composite one.
  const history = table("price_history");
  for (const c of history.columns) c.primary_key = false;
  history.columns.push({ id: "c-history-id", name: "id", type: "bigint", nullable: false, primary_key: true, unique: true });
  // A table goes (with the keys that point at it), another comes.
  const wishlist = table("wishlist");
  to.tables = to.tables.filter((t) => t !== wishlist);
  to.relationships = to.relationships.filter((r) => r.from_table !== wishlist.id && r.to_table !== wishlist.id);
  to.tables.push({
    id: "t-return",
    name: "return",
    x: 0,
    y: 0,
    comment: "Goods sent back",
    columns: [
      { id: "c-return-id", name: "id", type: "bigint", nullable: false, primary_key: true, unique: true },
      { id: "c-return-order", name: "order_id", type: "bigint", nullable: false, primary_key: false, unique: false },
    ],
  });
  to.relationships.push({ id: "r-return-order", from_table: "t-return", from_columns: ["c-return-order"], to_table: table("order").id, to_columns: [column("order", "id").id], cardinality: "one_to_many", on_delete: "cascade" });
  // A relationship changes its action.
  const productCategory = to.relationships.find((r) => r.from_table === table("product").id && r.to_table === table("category").id)!;
  productCategory.on_delete = "cascade";
  return to;
}

describe("diff between two versions", () => {
  it("reports a renamed table and column as renames, matched by id", async () => {
    const from = await imported("postgres", fixture(FIXTURES.postgres));
    const diff = diffSchemas(from, evolve(from));
    expect(diff.tables.renamed).toEqual([expect.objectContaining({ from: "brand", to: "manufacturer" })]);
    expect(diff.columns.renamed).toEqual([expect.objectContaining({ table: "product", from: "weight_grams", to: "weight_g" })]);
    expect(diff.tables.added.map((t) => t.name)).toEqual(["return"]);
    expect(diff.tables.removed.map((t) => t.name)).toEqual(["wishlist"]);
    expect(diff.columns.removed.map((c) => `${c.table}.${c.name}`)).toEqual(["review.body"]);
    expect(diff.columns.added.map((c) => `${c.table}.${c.name}`).sort()).toEqual(["price_history.id", "warehouse.capacity"]);
    expect(diff.relationships.changed).toHaveLength(1);
    expect(diff.relationships.removed).toHaveLength(2);
    expect(diff.changed).toBe(true);
    expect(diffSchemas(from, from).changed).toBe(false);
  });

  // SPEC: REST-20
  it("gives a PostgreSQL migration that takes the old database to the new schema", async () => {
    const from = await imported("postgres", fixture(FIXTURES.postgres));
    const to = evolve(from);
    const db = await postgresSchema();
    closers.push(db.close);
    await db.run(exportSchema(from, "postgres"));
    await db.run(migrationSql(diffSchemas(from, to), from, to, "postgres"));
    expect(await db.shape()).toEqual(comparable(shapeOf(to, { types: false, defaults: false, names: false })));
  });

  // SPEC: REST-20
  it("gives a MySQL migration that takes the old MariaDB database to the new schema", async () => {
    const from = await imported("postgres", fixture(FIXTURES.postgres));
    const to = evolve(from);
    const db = await mysqlDatabase();
    closers.push(db.close);
    await db.run(exportSchema(from, "mysql"));
    await db.run(migrationSql(diffSchemas(from, to), from, to, "mysql"));
    expect(await db.shape()).toEqual(comparable(shapeOf(to, { types: false, defaults: false, names: false }), true));
  });
});
