import { afterEach, describe, expect, it } from "vitest";
import type { Database } from "../../src/storage/database.ts";
import { UpdateLog } from "../../src/storage/update-log.ts";
import { newDatabase } from "../helpers/server.ts";

const USER = "00000000-0000-4000-8000-0000000000aa";

async function diagram(db: Database, id: string): Promise<string> {
  await db.query("INSERT INTO users (id, name) VALUES ($1, 'u') ON CONFLICT DO NOTHING", [USER]);
  await db.query("INSERT INTO diagrams (id, name, owner_id) VALUES ($1, 'd', $2)", [id, USER]);
  return id;
}

describe.each(["postgres", "pglite"] as const)("the update log on %s", (backend) => {
  let db: Database;
  let schema: string | undefined;
  afterEach(async () => {
    if (schema) await db.query(`DROP SCHEMA "${schema}" CASCADE`);
    await db.close();
  });

  it("writes concurrent appends in few transactions", async () => {
    ({ db, schema } = await newDatabase(backend));
    const id = await diagram(db, "00000000-0000-4000-8000-000000000001");
    const log = new UpdateLog(db);
    let batches = 0;
    log.onBatch = () => batches++;
    await Promise.all(Array.from({ length: 50 }, (_, i) => log.append({ diagramId: id, data: new Uint8Array([i]), userId: null })));
    const [{ count }] = (await db.query("SELECT count(*)::int AS count FROM diagram_updates")) as [{ count: number }];
    expect(count).toBe(50);
    expect(batches).toBeLessThan(50);
  });

  it("fails only the entry of a deleted diagram when it shares a batch with others (regression: one bad row failed the whole batch)", async () => {
    ({ db, schema } = await newDatabase(backend));
    const live = await diagram(db, "00000000-0000-4000-8000-000000000002");
    const gone = "00000000-0000-4000-8000-000000000003";
    const log = new UpdateLog(db);
    const results = await Promise.allSettled([
      log.append({ diagramId: live, data: new Uint8Array([1]), userId: null }),
      log.append({ diagramId: gone, data: new Uint8Array([2]), userId: null }),
      log.append({ diagramId: live, data: new Uint8Array([3]), userId: null }),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(((results[1] as PromiseRejectedResult).reason as { code?: string }).code).toBe("23503");
    const rows = (await db.query("SELECT diagram_id FROM diagram_updates ORDER BY seq")) as { diagram_id: string }[];
    expect(rows.map((r) => r.diagram_id)).toEqual([live, live]);
  });
});
