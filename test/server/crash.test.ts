import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { applyOperation } from "../../src/schema-doc/index.ts";
import { ApiClient } from "../helpers/api.ts";
import { freshDatabase, startServerProcess, type ServerProcess } from "../helpers/process.ts";
import { newProvider, synced, type TestProvider } from "../helpers/provider.ts";
import { Random } from "../helpers/random.ts";
import { sleep, waitFor } from "../helpers/wait.ts";

/**
 * The durability promise: once the server has acknowledged an edit (the provider's unsyncedChanges
 * back to 0), it survives SIGKILL of the server at any moment.
 */
async function killAndRecover(env: Record<string, string>, rounds: number, seed: number): Promise<void> {
  const random = new Random(seed);
  let server: ServerProcess = await startServerProcess(env);
  const acked = new Set<string>();
  let api = new ApiClient(server.httpUrl);
  const { token, roomId, diagramId } = await api.room("crash-owner");
  try {
    for (let round = 0; round < rounds; round++) {
      const providers: TestProvider[] = [newProvider(server.wsUrl, roomId, token), newProvider(server.wsUrl, roomId, token)];
      await Promise.all(providers.map((p) => synced(p)));
      const made = providers.map(() => [] as string[]);
      providers.forEach((p, i) =>
        p.provider.on("unsyncedChanges", ({ number }: { number: number }) => {
          if (number === 0) for (const name of made[i]!) acked.add(name);
        }),
      );
      let editing = true;
      let counter = 0;
      const editLoop = (async () => {
        while (editing) {
          const i = counter % providers.length;
          const name = `r${round}-e${counter++}`;
          made[i]!.push(name);
          applyOperation(providers[i]!.doc, { type: "CreateTable", name, x: counter, y: round }, "test");
          // Mostly bursts, sometimes a pause long enough for acknowledgements to catch up.
          await sleep(random.chance(0.8) ? random.int(5) : 10 + random.int(31));
        }
      })();
      const ackedBefore = acked.size;
      await waitFor(() => acked.size > ackedBefore, "some edits to be acknowledged");
      await sleep(random.int(600));
      await server.stop("SIGKILL");
      editing = false;
      await editLoop;
      for (const p of providers) p.destroy();

      server = await startServerProcess(env);
      api = new ApiClient(server.httpUrl);
      const { status, body } = await api.request("GET", `/api/diagrams/${diagramId}/schema`, { token });
      expect(status).toBe(200);
      const stored = new Set<string>(body.tables.map((t: { name: string }) => t.name));
      const lost = [...acked].filter((name) => !stored.has(name));
      expect(lost, `round ${round} (seed ${seed}): acknowledged edits lost after SIGKILL`).toEqual([]);
    }
  } finally {
    await server.stop("SIGKILL");
  }
}

describe("SIGKILL at random moments", () => {
  // SPEC: DUR-1, DUR-3, DUR-6, REST-8
  it("loses no acknowledged edit on PostgreSQL", async () => {
    const db = await freshDatabase();
    try {
      await killAndRecover({ DATABASE_URL: db.url }, 5, 20261127);
    } finally {
      await db.drop();
    }
  }, 180_000);

  // SPEC: DUR-1, DUR-3, DUR-6
  it("loses no acknowledged edit on embedded PGlite", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "liveshare-crash-"));
    try {
      await killAndRecover({ DATA_DIR: dir }, 3, 7);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
