/**
 * Mixed rooms: two Yjs providers and two JSON clients edit one diagram at the same time with random
 * GraphOps (seeded) — creates, renames, moves, column and relationship edits, deletes — and a JSON
 * client reconnects midway. Afterwards every replica, the server's document and the stored diagram
 * hold the same schema.
 */
import { describe, expect, it } from "vitest";
import { applyOperation, OperationError, readSchema, type SchemaJson } from "../../src/schema-doc/index.ts";
import { acknowledged, synced } from "../helpers/provider.ts";
import { liveShareFixture } from "../helpers/fixture.ts";
import { sleep, waitFor } from "../helpers/wait.ts";
import { Random } from "../helpers/random.ts";
import { withoutVersions } from "../helpers/json-client.ts";
import { randomOperation } from "../helpers/random-ops.ts";

const STEPS = 120;
const SEEDS = [1, 2, 3];

describe("a room shared by Yjs and JSON clients", () => {
  const live = liveShareFixture();

  for (const seed of SEEDS) {
    // SPEC: JSON-20
    it(`converges on one schema after random concurrent edits from two Yjs and two JSON clients (seed ${seed})`, async () => {
      const server = await live.start();
      const random = new Random(seed);
      const owner = await server.api.room(`owner-${seed}`);
      const editors = await Promise.all([1, 2, 3].map((i) => server.api.login(`editor-${seed}-${i}`)));
      for (const editor of editors) await server.api.share(owner.token, owner.diagramId, editor.userId, "edit");
      const yjs = [live.connect(owner.roomId, owner.token), live.connect(owner.roomId, editors[0]!.token)];
      await Promise.all(yjs.map((p) => synced(p)));
      const jsonTokens = [editors[1]!.token, editors[2]!.token];
      const json = await Promise.all(jsonTokens.map((token) => live.join(owner.roomId, token)));

      const answers: Promise<unknown>[] = [];
      let refused = 0;
      for (let step = 0; step < STEPS; step++) {
        const actor = random.int(4);
        if (actor < 2) {
          const p = yjs[actor]!;
          try {
            applyOperation(p.doc, randomOperation(random, readSchema(p.doc), step), "test");
          } catch (error) {
            if (!(error instanceof OperationError)) throw error;
          }
        } else {
          const index = actor - 2;
          const client = json[index]!;
          answers.push(client.op(randomOperation(random, client.schema(), step)).then((a) => (a.type === "Error" ? refused++ : 0)));
        }
        if (step === STEPS / 2) {
          // A JSON client drops and comes back: it must catch up from a full state.
          await Promise.all(answers.splice(0));
          json[1]!.destroy();
          json[1] = await live.join(owner.roomId, jsonTokens[1]!);
        }
        if (random.chance(0.25)) await sleep(random.int(15));
      }
      await Promise.all(answers);
      await Promise.all(yjs.map((p) => acknowledged(p)));

      const document = server.liveshare.core.rooms.get(owner.roomId)!;
      const truth = () => JSON.stringify(withoutVersions(readSchema(document)));
      const views = (): SchemaJson[] => [...yjs.map((p) => readSchema(p.doc)), ...json.map((c) => c.schema())];
      await waitFor(() => views().every((v) => JSON.stringify(withoutVersions(v)) === truth()), "every replica to match the server", 15_000);

      const schema = readSchema(document);
      expect(schema.tables.length).toBeGreaterThan(0);
      expect(refused).toBeLessThan(STEPS / 2);
      // JSON replicas carry the server's versions too.
      const versions = server.liveshare.core.schemaGuard.versionsOf(owner.roomId)!;
      for (const client of json) expect(client.schema()).toEqual(readSchema(document, (id) => versions.versionOf(id)));
      // And what is stored is the same diagram.
      const { body } = await server.api.request("GET", `/api/diagrams/${owner.diagramId}/schema`, { token: owner.token });
      expect(JSON.stringify(withoutVersions(body))).toBe(truth());
      for (const client of json) expect(client.malformed).toEqual([]);
    });
  }
});
