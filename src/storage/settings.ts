import { randomBytes } from "node:crypto";
import type { Sql } from "./database.ts";

/** A value stored once per database, created by the first process that asks for it. */
export async function getOrCreateSetting(sql: Sql, key: string, create: () => string): Promise<string> {
  await sql.query("INSERT INTO server_settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING", [key, create()]);
  const [row] = await sql.query<{ value: string }>("SELECT value FROM server_settings WHERE key = $1", [key]);
  return row!.value;
}

/** The development-mode token secret: generated once per data directory (database), then reused. */
export function devAuthSecret(sql: Sql): Promise<string> {
  return getOrCreateSetting(sql, "dev_auth_secret", () => randomBytes(32).toString("base64url"));
}
