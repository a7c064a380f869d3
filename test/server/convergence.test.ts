import { describe, expect, it } from "vitest";
import { liveShareFixture } from "../helpers/fixture.ts";
import * as Y from "yjs";
import { applyOperation, findViolations, readSchema } from "../../src/schema-doc/index.ts";
import { randomOperation } from "../helpers/graph-ops.ts";
import { acknowledged, synced, type TestProvider } from "../helpers/provider.ts";
import { Random } from "../helpers/random.ts";
import { shapeOf } from "../helpers/schema.ts";
import { sleep, waitFor } from "../helpers/wait.ts";

const CLIENTS = 4;
const STEPS = 120;
const SEEDS = [1, 2, 3];

describe("convergence through the server (seeded fuzz)", () => {
  const live = liveShareFixture();

  // SPEC: DOC-INV-3
  it.each(SEEDS)("leaves every client, the server and the stored diagram equal (seed %i)", async (seed) => {
    const random = new Random(seed);
    const server = await live.start();
    const { token, roomId, diagramId } = await server.api.room();
    const providers = Array.from({ length: CLIENTS }, () => live.connect(roomId, token));
    await Promise.all(providers.map((p) => synced(p)));

    const offline = new Set<TestProvider>();
    let disconnects = 0;
    let applied = 0;
    for (let step = 0; step < STEPS; step++) {
      const p = random.pick(providers);
      if (random.chance(0.05)) {
        // Drop off for a while: edits made offline must merge when it comes back.
        if (offline.delete(p)) await p.provider.connect();
        else {
          offline.add(p);
          disconnects++;
          p.provider.disconnect();
        }
      }
      const op = randomOperation(random, readSchema(p.doc));
      if (op) {
        applyOperation(p.doc, op, "fuzz");
        applied++;
      }
      if (random.chance(0.2)) await sleep(random.int(15));
    }
    // The seeds are chosen so that the run really exercises offline edits.
    expect(disconnects).toBeGreaterThan(0);
    expect(applied).toBeGreaterThan(STEPS / 4);
    for (const p of offline) await p.provider.connect();
    await Promise.all(providers.map((p) => acknowledged(p, 20_000)));

    const room = server.liveshare.core.rooms.get(roomId)!;
    await waitFor(() => providers.every((p) => shapeOf(p.doc) === shapeOf(room)), "every client to match the server", 20_000);
    expect(findViolations(room)).toEqual([]);

    // What the server stored (compacted state + log) is the same diagram.
    // Server-side repairs are appended just after they are made, so give them a moment.
    const storedShape = async () => {
      const stored = await server.liveshare.core.documents.load(diagramId);
      const cold = new Y.Doc();
      Y.applyUpdate(cold, stored.update!);
      return shapeOf(cold);
    };
    await waitFor(async () => (await storedShape()) === shapeOf(room), "the stored diagram to match the live one");
  });
});
