/**
 * What a real database made of an exported DDL, read back from its catalog in the shape
 * `shapeOf(…, { types: false, defaults: false, names: false })` gives a diagram.
 */
import { randomUUID } from "node:crypto";
import mysql from "mysql2/promise";
import pg from "pg";
import initSqlJs from "sql.js";
import { TEST_DATABASE_URL } from "../helpers/env.ts";

export interface CatalogShape {
  tables: { name: string; comment?: string; columns: { name: string; nullable: boolean; primary_key: boolean; unique: boolean; comment?: string }[] }[];
  relationships: { key: string; on_delete: string | null; on_update: string | null }[];
}

interface Key {
  table: string;
  type: "p" | "u" | "f";
  columns: string[];
  refTable?: string;
  refColumns?: string[];
  onDelete?: string;
  onUpdate?: string;
}
interface Column {
  table: string;
  name: string;
  nullable: boolean;
  comment?: string;
}

/** The diagram's "no action" is the database's default: both read as null. */
const action = (a: string | undefined | null) => (!a || a === "no_action" ? null : a);

function assemble(tableNames: { name: string; comment?: string }[], columns: Column[], keys: Key[]): CatalogShape {
  const tables = tableNames
    .map(({ name, comment }) => {
      const primary = keys.find((k) => k.table === name && k.type === "p")?.columns ?? [];
      const uniques = keys.filter((k) => k.table === name && k.type === "u" && k.columns.length === 1).map((k) => k.columns[0]);
      return {
        name,
        ...(comment ? { comment } : {}),
        columns: columns
          .filter((c) => c.table === name)
          .map((c) => ({
            name: c.name,
            nullable: c.nullable,
            primary_key: primary.includes(c.name),
            unique: uniques.includes(c.name) || (primary.length === 1 && primary[0] === c.name),
            ...(c.comment ? { comment: c.comment } : {}),
          })),
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
  const relationships = keys
    .filter((k) => k.type === "f")
    .map((k) => ({ key: `${k.table}(${k.columns.join(", ")}) -> ${k.refTable}(${(k.refColumns ?? []).join(", ")})`, on_delete: action(k.onDelete), on_update: action(k.onUpdate) }))
    .sort((a, b) => a.key.localeCompare(b.key));
  return { tables, relationships };
}

/**
 * The diagram side of the comparison, with "no action" spelled as the catalog reads it. InnoDB's
 * NO ACTION is RESTRICT (its manual says so) and MariaDB reports it as RESTRICT: `innodb` reads both as one.
 */
export function comparable(shape: { tables: unknown[]; relationships: { key: string; on_delete: string | null; on_update: string | null }[] }, innodb = false) {
  const read = (a: string | null) => action(innodb && a === "restrict" ? null : a);
  return { tables: shape.tables, relationships: shape.relationships.map((r) => ({ key: r.key, on_delete: read(r.on_delete), on_update: read(r.on_update) })) };
}

const PG_ACTIONS: Record<string, string> = { a: "no_action", r: "restrict", c: "cascade", n: "set_null", d: "set_default" };

/** A fresh PostgreSQL schema: `run` executes SQL in it, `shape` reads its catalog. */
export async function postgresSchema() {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  const schema = `io_${randomUUID().replaceAll("-", "")}`;
  await client.query(`CREATE SCHEMA ${schema}`);
  await client.query(`SET search_path TO ${schema}`);
  return {
    schema,
    run: (sql: string) => client.query(sql),
    async shape(): Promise<CatalogShape> {
      const tables = await client.query<{ name: string; comment: string | null }>(
        `SELECT t.table_name AS name, obj_description(format('%I.%I', t.table_schema, t.table_name)::regclass, 'pg_class') AS comment
           FROM information_schema.tables t WHERE t.table_schema = $1 AND t.table_type = 'BASE TABLE'`,
        [schema],
      );
      const columns = await client.query<{ table: string; name: string; nullable: string; comment: string | null }>(
        `SELECT c.table_name AS table, c.column_name AS name, c.is_nullable AS nullable,
                col_description(format('%I.%I', c.table_schema, c.table_name)::regclass, c.ordinal_position::int) AS comment
           FROM information_schema.columns c WHERE c.table_schema = $1 ORDER BY c.table_name, c.ordinal_position`,
        [schema],
      );
      // Key columns in key order (information_schema loses it for composite foreign keys).
      const keys = await client.query<{ table: string; type: "p" | "u" | "f"; columns: string[]; ref_table: string | null; ref_columns: string[] | null; del: string; upd: string }>(
        `SELECT cl.relname AS table, c.contype AS type,
                ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i) AS columns,
                fcl.relname AS ref_table,
                ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i) AS ref_columns,
                c.confdeltype AS del, c.confupdtype AS upd
           FROM pg_constraint c JOIN pg_class cl ON cl.oid = c.conrelid JOIN pg_namespace ns ON ns.oid = cl.relnamespace
           LEFT JOIN pg_class fcl ON fcl.oid = c.confrelid
          WHERE ns.nspname = $1 AND c.contype IN ('p', 'u', 'f')`,
        [schema],
      );
      return assemble(
        tables.rows.map((t) => ({ name: t.name, ...(t.comment ? { comment: t.comment } : {}) })),
        columns.rows.map((c) => ({ table: c.table, name: c.name, nullable: c.nullable === "YES", ...(c.comment ? { comment: c.comment } : {}) })),
        keys.rows.map((k) => ({ table: k.table, type: k.type, columns: k.columns, refTable: k.ref_table ?? undefined, refColumns: k.ref_columns ?? undefined, onDelete: PG_ACTIONS[k.del], onUpdate: PG_ACTIONS[k.upd] })),
      );
    },
    async close() {
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
      await client.end();
    },
  };
}

const SQLITE_ACTIONS: Record<string, string> = { "NO ACTION": "no_action", RESTRICT: "restrict", CASCADE: "cascade", "SET NULL": "set_null", "SET DEFAULT": "set_default" };
/** InnoDB's RESTRICT and NO ACTION are one rule. */
const MYSQL_ACTIONS: Record<string, string> = { "NO ACTION": "no_action", RESTRICT: "no_action", CASCADE: "cascade", "SET NULL": "set_null", "SET DEFAULT": "set_default" };

/** A fresh MariaDB database (127.0.0.1:3306, root, no password): `run` executes SQL in it, `shape` reads its catalog. */
export async function mysqlDatabase() {
  const database = `io_${randomUUID().replaceAll("-", "").slice(0, 24)}`;
  const connection = await mysql.createConnection({ host: "127.0.0.1", port: 3306, user: "root", multipleStatements: true });
  await connection.query(`CREATE DATABASE ${database}`);
  await connection.query(`USE ${database}`);
  return {
    database,
    run: (sql: string) => connection.query(sql),
    async shape(): Promise<CatalogShape> {
      const [tables] = await connection.query<mysql.RowDataPacket[]>(
        "SELECT TABLE_NAME AS name, TABLE_COMMENT AS comment FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE'",
        [database],
      );
      const [columns] = await connection.query<mysql.RowDataPacket[]>(
        "SELECT TABLE_NAME AS `table`, COLUMN_NAME AS name, IS_NULLABLE AS nullable, COLUMN_COMMENT AS comment FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION",
        [database],
      );
      const [usage] = await connection.query<mysql.RowDataPacket[]>(
        `SELECT k.TABLE_NAME AS \`table\`, k.CONSTRAINT_NAME AS name, t.CONSTRAINT_TYPE AS type, k.COLUMN_NAME AS \`column\`,
                k.REFERENCED_TABLE_NAME AS ref_table, k.REFERENCED_COLUMN_NAME AS ref_column, r.DELETE_RULE AS del, r.UPDATE_RULE AS upd
           FROM information_schema.KEY_COLUMN_USAGE k
           JOIN information_schema.TABLE_CONSTRAINTS t ON t.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND t.TABLE_NAME = k.TABLE_NAME AND t.CONSTRAINT_NAME = k.CONSTRAINT_NAME
           LEFT JOIN information_schema.REFERENTIAL_CONSTRAINTS r ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.TABLE_NAME = k.TABLE_NAME AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME
          WHERE k.TABLE_SCHEMA = ? ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION`,
        [database],
      );
      const keys = new Map<string, Key>();
      for (const row of usage) {
        const id = `${row.table}\u0000${row.name}`;
        const type = row.type === "PRIMARY KEY" ? "p" : row.type === "UNIQUE" ? "u" : "f";
        const key: Key = keys.get(id) ?? { table: row.table, type, columns: [], refColumns: [], refTable: row.ref_table ?? undefined, onDelete: MYSQL_ACTIONS[row.del], onUpdate: MYSQL_ACTIONS[row.upd] };
        key.columns.push(String(row.column));
        if (row.ref_column) key.refColumns?.push(String(row.ref_column));
        keys.set(id, key);
      }
      return assemble(
        tables.map((t) => ({ name: t.name, ...(t.comment ? { comment: t.comment } : {}) })),
        columns.map((c) => ({ table: c.table, name: c.name, nullable: c.nullable === "YES", ...(c.comment ? { comment: c.comment } : {}) })),
        [...keys.values()],
      );
    },
    async close() {
      await connection.query(`DROP DATABASE IF EXISTS ${database}`).catch(() => {});
      await connection.end();
    },
  };
}

/** An in-memory SQLite (sql.js, SQLite compiled to WebAssembly): `run` executes SQL, `shape` reads its catalog. */
export async function sqliteDatabase() {
  const SQL = await initSqlJs();
  const db = new SQL.Database();
  const rows = (sql: string) => {
    const result = db.exec(sql)[0];
    return (result?.values ?? []).map((values) => Object.fromEntries(result!.columns.map((c, i) => [c, values[i]])));
  };
  const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
  return {
    run: (sql: string) => db.exec(sql),
    async shape(): Promise<CatalogShape> {
      const tables = rows("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").map((t) => String(t.name));
      const columns: Column[] = [];
      const keys: Key[] = [];
      for (const table of tables) {
        const info = rows(`PRAGMA table_info(${quote(table)})`);
        for (const c of info) columns.push({ table, name: String(c.name), nullable: c.notnull === 0 && Number(c.pk) === 0 });
        const primary = info.filter((c) => Number(c.pk) > 0).sort((a, b) => Number(a.pk) - Number(b.pk)).map((c) => String(c.name));
        if (primary.length > 0) keys.push({ table, type: "p", columns: primary });
        for (const index of rows(`PRAGMA index_list(${quote(table)})`).filter((i) => i.unique === 1 && i.origin === "u")) {
          keys.push({ table, type: "u", columns: rows(`PRAGMA index_info(${quote(String(index.name))})`).map((c) => String(c.name)) });
        }
        const foreign = new Map<number, Key>();
        for (const f of rows(`PRAGMA foreign_key_list(${quote(table)})`)) {
          const key = foreign.get(Number(f.id)) ?? { table, type: "f" as const, columns: [], refTable: String(f.table), refColumns: [], onDelete: String(f.on_delete), onUpdate: String(f.on_update) };
          key.columns.push(String(f.from));
          key.refColumns?.push(String(f.to));
          foreign.set(Number(f.id), key);
        }
        for (const key of foreign.values()) keys.push({ ...key, onDelete: SQLITE_ACTIONS[key.onDelete ?? ""], onUpdate: SQLITE_ACTIONS[key.onUpdate ?? ""] });
      }
      return assemble(tables.map((name) => ({ name })), columns, keys);
    },
    close: async () => db.close(),
  };
}
