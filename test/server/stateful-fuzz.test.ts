/**
 * Seeded stateful fuzzing of both WebSocket endpoints (issue #14): users connect over `/collab` or
 * the JSON protocol, authenticate (often with an edit already queued behind the Auth), edit, send
 * presence and disconnect, while the owner changes their access through the REST API in between —
 * share removed, downgraded, upgraded, given back. The model is what the REST API last answered:
 * an edit sent after the call that took a user's edit right away has returned must never be applied
 * or stored, on either endpoint, whatever the interleaving; the owner's honest edits always are.
 *
 * Reproduce a failure with FUZZ_SEED=<seed> (FUZZ_STEPS=<n> for a longer run).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { readSchema } from "../../src/schema-doc/index.ts";
import { DocumentStore } from "../../src/storage/documents.ts";
import { acknowledged, type TestProvider } from "../helpers/provider.ts";
import { encodeAwarenessEntries } from "../../src/collab/wire.ts";
import { Random } from "../helpers/random.ts";
import { liveShareFixture } from "../helpers/fixture.ts";
import { waitFor } from "../helpers/wait.ts";
import { addTable, serverDoc, tableNames } from "../helpers/documents.ts";
import { JsonClient } from "../helpers/json-client.ts";
import { RawClient, frames } from "../helpers/raw-client.ts";

const SEED = Number(process.env.FUZZ_SEED ?? 0x57a7e);
const STEPS = Number(process.env.FUZZ_STEPS ?? 400);
const CHECK_EVERY = 100;

type Permission = "edit" | "view" | "none";
type Client = { kind: "yjs"; socket: RawClient } | { kind: "json"; socket: JsonClient };

interface User {
  name: string;
  token: string;
  userId: string;
  /** What the REST API last answered for this user's share. */
  permission: Permission;
  client: Client | undefined;
}

function awarenessFrame(roomId: string, clientId: number, x: number): Uint8Array {
  return frames.awareness(roomId, encodeAwarenessEntries([{ clientId, clock: x + 1, state: { cursor: { x, y: x } } }]));
}

describe(`stateful fuzzing of both endpoints with access changes in between (seed ${SEED})`, () => {
  const random = new Random(SEED);
  const live = liveShareFixture({ shared: true });
  const { server } = live;
  let owner: { token: string; userId: string };
  let diagramId: string;
  let roomId: string;
  let honest: TestProvider;
  const users: User[] = [];

  beforeAll(async () => {
    owner = await server.api.login("sf-owner");
    diagramId = await server.api.createDiagram(owner.token, "Stateful fuzz");
    roomId = await server.api.startSession(owner.token, diagramId);
    for (let i = 0; i < 4; i++) {
      const login = await server.api.login(`sf-user-${i}`);
      users.push({ name: `u${i}`, ...login, permission: "none", client: undefined });
    }
    honest = await live.connectSynced(roomId, owner.token);
  });
  afterAll(() => {
    for (const user of users) close(user);
  });

  function close(user: User): void {
    if (user.client?.kind === "yjs") user.client.socket.close();
    else user.client?.socket.destroy();
    user.client = undefined;
  }

  const isOpen = (client: Client) => (client.kind === "yjs" ? client.socket.open : client.socket.closeEvent === undefined);

  it(`never applies an edit sent after the user's edit right was taken away, over ${STEPS} steps`, async () => {
    /** Tables users named in edits sent without the edit right (as the REST API had last answered). */
    const forbidden = new Set<string>();
    const honestTables: string[] = [];
    const stats = { steps: 0, connects: 0, allowedEdits: 0, forbiddenEdits: 0, accessChanges: 0, awareness: 0, disconnects: 0 };
    let counter = 0;

    /** Sends an edit creating a table; records it as forbidden when the user may not edit now. */
    const edit = (user: User, client: Client) => {
      const name = `${user.name}-${counter++}`;
      if (user.permission === "edit") stats.allowedEdits += 1;
      else {
        forbidden.add(name);
        stats.forbiddenEdits += 1;
      }
      if (client.kind === "yjs") {
        const doc = new Y.Doc();
        addTable(doc, name);
        client.socket.send(frames.update(roomId, Y.encodeStateAsUpdate(doc)));
      } else {
        client.socket.send({ type: "GraphOp", op: { type: "CreateTable", name, x: 0, y: 0 } });
      }
    };

    const connect = async (user: User) => {
      close(user);
      stats.connects += 1;
      const client: Client =
        random.chance(0.5) ? { kind: "yjs", socket: await RawClient.open(server.wsUrl) } : { kind: "json", socket: await JsonClient.connect(server.wsUrl) };
      user.client = client;
      if (client.kind === "yjs") {
        client.socket.send(frames.auth(roomId, user.token));
        client.socket.send(frames.syncStep1(roomId, new Y.Doc()));
      } else {
        client.socket.send({ type: "Auth", token: user.token, room_id: roomId });
      }
      // Often an edit right behind the Auth: queued until the connection exists.
      if (random.chance(0.5)) edit(user, client);
    };

    const changeAccess = async (user: User) => {
      stats.accessChanges += 1;
      const to = random.pick<Permission>(["edit", "view", "none"]);
      const path = `/api/diagrams/${diagramId}/shares/${user.userId}`;
      const response =
        to === "none"
          ? await server.api.request("DELETE", path, { token: owner.token })
          : await server.api.request("PUT", path, { token: owner.token, body: { permission: to } });
      expect(response.status === 404 && user.permission === "none" ? 204 : response.status).toBeLessThan(300);
      // From here on (the call has returned) the server must act on the new permission.
      user.permission = to;
    };

    const checkpoint = async () => {
      const name = `honest-${honestTables.length}`;
      honestTables.push(name);
      addTable(honest.doc, name);
      await acknowledged(honest);
      expect(honest.closeReasons).toEqual([]);
      const live = tableNames(serverDoc(server, roomId)!);
      expect(live.filter((t) => forbidden.has(t))).toEqual([]);
      expect(honestTables.filter((t) => !live.includes(t))).toEqual([]);
    };

    for (let step = 1; step <= STEPS; step++) {
      stats.steps += 1;
      const user = random.pick(users);
      const client = user.client;
      const roll = random.next();
      if (roll < 0.15) {
        // Access changed while the client authenticates, then an edit: the race of issue #14.
        await connect(user);
        await changeAccess(user);
        if (user.client) edit(user, user.client);
      } else if (!client || !isOpen(client) || roll < 0.25) await connect(user);
      else if (roll < 0.55) edit(user, client);
      else if (roll < 0.68) {
        stats.awareness += 1;
        if (client.kind === "yjs") client.socket.send(awarenessFrame(roomId, 1000 + users.indexOf(user), step));
        else client.socket.send({ type: "CursorMove", position: [step, step] });
      } else if (roll < 0.9) await changeAccess(user);
      else {
        stats.disconnects += 1;
        close(user);
      }
      if (step % CHECK_EVERY === 0) await checkpoint();
    }

    // Every client gone and every frame they sent handled: what stayed is final.
    for (const user of users) close(user);
    await waitFor(() => server.liveshare.core.rooms.usersPresent(roomId).every((u) => u.user_id === owner.userId), "the fuzzing clients to leave");
    await checkpoint();
    const expectClean = (names: string[]) => {
      expect(names.filter((t) => forbidden.has(t))).toEqual([]);
      expect(honestTables.filter((t) => !names.includes(t))).toEqual([]);
    };
    expectClean(tableNames(honest.doc));
    const schema = await server.api.request("GET", `/api/diagrams/${diagramId}/schema`, { token: owner.token });
    expect(schema.status).toBe(200);
    expectClean(schema.body.tables.map((t: { name: string }) => t.name));
    const stored = new Y.Doc();
    Y.applyUpdate(stored, (await new DocumentStore(server.db).load(diagramId)).update!);
    expectClean(tableNames(stored));
    expect(readSchema(stored)).toEqual(readSchema(serverDoc(server, roomId)!));

    // The fuzz reached both sides of the property.
    const applied = tableNames(serverDoc(server, roomId)!).filter((t) => /^u\d-/.test(t)).length;
    expect(stats.forbiddenEdits).toBeGreaterThan(STEPS / 20);
    expect(applied).toBeGreaterThan(0);
    console.info(`stateful fuzz (seed ${SEED}): ${JSON.stringify({ ...stats, appliedUserEdits: applied })}`);
  }, 120_000);
});
