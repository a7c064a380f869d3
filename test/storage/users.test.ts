/**
 * Regression test for issue #14, defect 8: the users a process remembers as recorded are bounded
 * (anyone who can mint tokens can name new users without end), the most recently seen kept.
 */
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { Database } from "../../src/storage/database.ts";
import { UserStore } from "../../src/storage/users.ts";
import { newDatabase } from "../helpers/server.ts";

describe("the user store", () => {
  let db: Database | undefined;
  let schema: string | undefined;
  afterEach(async () => {
    if (schema) await db?.query(`DROP SCHEMA "${schema}" CASCADE`);
    await db?.close();
    db = undefined;
  });

  const exists = async (id: string) => (await db!.query("SELECT 1 FROM users WHERE id = $1", [id])).length === 1;

  it("remembers at most its bound of recorded users, however many distinct users tokens name", async () => {
    ({ db, schema } = await newDatabase());
    const users = new UserStore(db, 100);
    const ids = Array.from({ length: 300 }, () => randomUUID());
    for (const id of ids) await users.record({ userId: id, name: `u-${id.slice(0, 6)}` });
    expect(users.remembered).toBe(100);
    const [row] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM users");
    expect(row!.n).toBe(300);
  });

  it("keeps the most recently seen: a busy user costs no write, a forgotten one is written again", async () => {
    ({ db, schema } = await newDatabase());
    const users = new UserStore(db, 3);
    const busy = { userId: randomUUID(), name: "busy" };
    const quiet = { userId: randomUUID(), name: "quiet" };
    await users.record(quiet);
    await users.record(busy);
    for (let i = 0; i < 3; i++) {
      await users.record({ userId: randomUUID(), name: `other-${i}` });
      await users.record(busy);
    }
    // Rows removed behind the store's back show which records reach the database.
    await db.query("DELETE FROM users WHERE id = ANY($1::uuid[])", [[busy.userId, quiet.userId]]);
    await users.record(busy);
    await users.record(quiet);
    expect(await exists(busy.userId)).toBe(false);
    expect(await exists(quiet.userId)).toBe(true);
    expect(users.remembered).toBe(3);
  });
});
