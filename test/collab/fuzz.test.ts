/**
 * Seeded fuzzing of everything a client can reach: random and mutated frames to both WebSocket
 * endpoints, random methods, paths, headers and bodies to every REST route. Throughout, a
 * well-behaved Yjs pair and a JSON client share the main room: the server must stay up, they must
 * keep syncing, and what is stored about the main diagram must not change except by their edits.
 *
 * The fuzzing clients are a viewer of the main diagram and an editor of a second "fuzz" diagram
 * only, so no fuzzed frame may legitimately change the main diagram; edits to the fuzz diagram are
 * allowed, but its document must stay loadable and valid. Reproduce a failure with FUZZ_SEED=<seed>:
 * the seed fixes every choice the fuzzer makes (ids the server generates still differ between runs).
 */
import { beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { applyOperation, findViolations, readSchema, type SchemaJson } from "../../src/schema-doc/index.ts";
import { DocumentStore } from "../../src/storage/documents.ts";
import { encodeAwarenessEntries } from "../../src/collab/wire.ts";
import { acknowledged, newProvider, synced, type TestProvider } from "../helpers/provider.ts";
import { liveShareFixture } from "../helpers/fixture.ts";
import { waitFor } from "../helpers/wait.ts";
import { addTable, serverDoc, storedState, tableNames } from "../helpers/documents.ts";
import { sharedDiagram } from "../helpers/users.ts";
import { JsonClient } from "../helpers/json-client.ts";
import { randomOperation } from "../helpers/random-ops.ts";
import { Random } from "../helpers/random.ts";
import { send } from "../helpers/http.ts";
import { RawClient, frames } from "../helpers/raw-client.ts";

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed);
const COLLAB_FRAMES = 400;
const JSON_FRAMES = 300;
const REST_REQUESTS = 400;
const CHECK_EVERY = 50;

/** A UUID from the seeded generator (version 4 layout), so the fuzzer's choices replay exactly. */
function uuid(random: Random): string {
  const hex = Array.from({ length: 32 }, () => random.int(16).toString(16));
  hex[12] = "4";
  hex[16] = (8 + random.int(4)).toString(16);
  const h = hex.join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Random bytes of a random length up to `max`. */
function bytes(random: Random, max: number): Uint8Array {
  return Uint8Array.from({ length: random.int(max + 1) }, () => random.int(256));
}

/** A valid frame changed the way broken or hostile clients change them. */
function mutate(random: Random, frame: Uint8Array): Uint8Array {
  const out = [...frame];
  switch (random.int(7)) {
    case 0: // flip a few bits
      for (let i = random.int(3); i >= 0 && out.length > 0; i--) out[random.int(out.length)]! ^= 1 << random.int(8);
      break;
    case 1: // overwrite a byte
      if (out.length > 0) out[random.int(out.length)] = random.int(256);
      break;
    case 2: // truncate
      out.length = random.int(out.length + 1);
      break;
    case 3: // extend
      out.push(...bytes(random, 16));
      break;
    case 4: // insert
      out.splice(random.int(out.length + 1), 0, ...bytes(random, 8));
      break;
    case 5: // repeat a slice
      {
        const start = random.int(out.length + 1);
        out.splice(start, 0, ...out.slice(start, start + random.int(16)));
      }
      break;
    default: // a huge varint somewhere (lengths and counts)
      out.splice(random.int(out.length + 1), 0, 0xff, 0xff, 0xff, 0xff, 0x0f);
  }
  return Uint8Array.from(out);
}

function randomString(random: Random, max: number): string {
  const alphabet = ["a", "Z", "0", "-", "_", ".", "/", "%", "'", '"', "\\", "{", "}", "é", "😀", "\u0000", " ", "\n", "__proto__"];
  return Array.from({ length: random.int(max + 1) }, () => random.pick(alphabet)).join("");
}

function randomJson(random: Random, depth = 0): unknown {
  switch (random.int(depth > 3 ? 5 : 8)) {
    case 0:
      return null;
    case 1:
      return random.chance(0.5);
    case 2:
      return random.pick([0, -1, 1e308, -1e-308, 2 ** 53 + 1, 3.5]);
    case 3:
      return randomString(random, 20);
    case 4:
      return uuid(random);
    case 5:
      return Array.from({ length: random.int(4) }, () => randomJson(random, depth + 1));
    default: {
      const entries = Array.from({ length: random.int(4) }, () => [
        random.pick(["name", "permission", "diagram_id", "username", "type", "__proto__", "constructor", randomString(random, 6)]),
        randomJson(random, depth + 1),
      ]);
      return Object.fromEntries(entries);
    }
  }
}

describe(`fuzzing every endpoint (seed ${SEED})`, () => {
  const random = new Random(SEED);
  const live = liveShareFixture({ shared: true, users: "fuzz" });
  const { server, who } = live;
  let main: { diagramId: string; roomId: string };
  let fuzz: { diagramId: string; roomId: string };
  let writer: TestProvider;
  let reader: TestProvider;
  let jsonWatcher: JsonClient;
  /** The main diagram's rows, which nothing may change. */
  let mainRows: string;
  let edits = 0;

  beforeAll(async () => {
    main = await sharedDiagram(server, who);
    // The fuzz diagram: the owner's, shared for editing with the "stranger" of the main diagram only.
    const fuzzDiagram = await server.api.createDiagram(who.owner.token, "Fuzz");
    await server.api.share(who.owner.token, fuzzDiagram, who.stranger.userId, "edit");
    fuzz = { diagramId: fuzzDiagram, roomId: await server.api.startSession(who.owner.token, fuzzDiagram) };

    writer = live.connect(main.roomId, who.editor.token);
    reader = live.connect(main.roomId, who.owner.token);
    await Promise.all([synced(writer), synced(reader)]);
    for (const name of ["users", "orders", "items"]) addTable(writer.doc, name);
    await acknowledged(writer);
    jsonWatcher = await live.join(main.roomId, who.viewer.token);
    mainRows = rowsOf(await storedState(server.db, main.diagramId));
  });

  const rowsOf = (state: string) => {
    const { document: _d, ...rows } = JSON.parse(state) as Record<string, unknown>;
    return JSON.stringify(rows);
  };

  /** The server is up, the main room syncs for Yjs and JSON clients, and its stored data is intact. */
  const mainRoomIsHealthy = async () => {
    expect((await send(server.httpUrl, { method: "GET", path: "/healthz" })).status).toBe(200);
    edits += 1;
    const name = `checkpoint-${edits}`;
    addTable(writer.doc, name);
    await acknowledged(writer);
    await waitFor(() => tableNames(reader.doc).includes(name), "the writer's edit to reach the reader");
    await waitFor(() => [...jsonWatcher.tables.values()].some((t) => t.name === name), "the edit to reach the JSON client");
    expect(writer.closeReasons).toEqual([]);
    expect(reader.closeReasons).toEqual([]);
    expect(jsonWatcher.closeEvent).toBeUndefined();
    // Nobody got into the main room who does not belong there, and its viewer stays read-only.
    for (const user of server.liveshare.core.rooms.usersPresent(main.roomId)) {
      expect([who.owner.userId, who.editor.userId, who.viewer.userId]).toContain(user.user_id);
      if (user.user_id === who.viewer.userId) expect(user.read_only).toBe(true);
    }
    // Everything in the main diagram is what the well-behaved clients made, in memory and stored.
    const expected = tableNames(reader.doc);
    expect(tableNames(writer.doc)).toEqual(expected);
    expect(tableNames(serverDoc(server, main.roomId)!)).toEqual(expected);
    const state = await storedState(server.db, main.diagramId);
    expect(rowsOf(state)).toBe(mainRows);
    const stored = new Y.Doc();
    const loaded = await new DocumentStore(server.db).load(main.diagramId);
    Y.applyUpdate(stored, loaded.update!);
    expect(loaded.skipped).toBe(0);
    expect(tableNames(stored)).toEqual(expected);
  };

  it("survives random and mutated frames on /collab", async () => {
    // Real, growing edits to mutate: each is the update of one random operation on a scratch replica,
    // so a dropped or broken one leaves later ones with missing dependencies, as on a flaky network.
    const scratch = new Y.Doc();
    scratch.clientID = random.int(2 ** 31);
    addTable(scratch, "fuzzed");
    let lastUpdate = Y.encodeStateAsUpdate(scratch);
    scratch.on("update", (u: Uint8Array) => (lastUpdate = u));
    const nextUpdate = (step: number) => {
      try {
        applyOperation(scratch, randomOperation(random, readSchema(scratch), step), "fuzz");
      } catch {
        // An impossible random operation: send the previous edit again.
      }
      return lastUpdate;
    };
    const awareness = encodeAwarenessEntries([{ clientId: 777, clock: 1, state: { user: { id: who.owner.userId, name: "Owner" }, cursor: { x: 1, y: 2 } } }]);
    // Personas: a viewer of the main room, an editor of the fuzz room, someone with a forged token.
    const personas = [
      { token: who.viewer.token, room: main.roomId },
      { token: who.stranger.token, room: fuzz.roomId },
      { token: `${who.viewer.token.slice(0, -4)}AAAA`, room: main.roomId },
    ];
    const sockets: (RawClient | undefined)[] = [undefined, undefined, undefined];
    let closedByServer = 0;

    for (let i = 1; i <= COLLAB_FRAMES; i++) {
      const slot = random.int(sockets.length);
      const persona = personas[slot]!;
      let socket = sockets[slot];
      if (!socket?.open) {
        if (socket?.closeEvent) closedByServer += 1;
        socket = sockets[slot] = await RawClient.open(server.wsUrl);
        if (random.chance(0.8)) await socket.authenticate(persona.room, persona.token);
      }
      const room = random.chance(0.7) ? persona.room : random.pick([main.roomId, fuzz.roomId, uuid(random), main.roomId.toUpperCase(), "", "x"]);
      const templates = [
        () => frames.auth(room, random.chance(0.8) ? persona.token : randomString(random, 40)),
        () => frames.syncStep1(room, new Y.Doc()),
        () => frames.syncStep2(room, Y.encodeStateAsUpdate(scratch)),
        () => frames.update(room, nextUpdate(i)),
        () => frames.awareness(room, awareness),
        () => frames.queryAwareness(room),
        () => frames.stateless(room, randomString(random, 10)),
        () => Uint8Array.from([...frames.queryAwareness(room).slice(0, -1), 7]),
      ];
      // Well-framed messages whose content is broken reach past the frame guard into Yjs.
      const brokenContent = [
        () => frames.update(room, mutate(random, nextUpdate(i))),
        () => frames.syncStep2(room, mutate(random, Y.encodeStateAsUpdate(scratch))),
        () => frames.awareness(room, mutate(random, awareness)),
        () => frames.stateless(room, randomString(random, 30)),
      ];
      const roll = random.next();
      socket.send(
        roll < 0.2
          ? bytes(random, 64)
          : roll < 0.55
            ? mutate(random, random.pick(templates)())
            : roll < 0.9
              ? random.pick(brokenContent)()
              : random.pick(templates)(),
      );
      if (i % CHECK_EVERY === 0) await mainRoomIsHealthy();
    }
    for (const socket of sockets) socket?.close();
    // Most bad frames get the socket closed with a reason: the fuzzing did reach the guard.
    expect(closedByServer).toBeGreaterThan(COLLAB_FRAMES / 20);
  });

  it("survives random and mutated messages on the JSON endpoint", async () => {
    const personas = [
      { token: who.viewer.token, room: main.roomId },
      { token: who.stranger.token, room: fuzz.roomId },
    ];
    let fuzzSchema: SchemaJson = { tables: [], relationships: [] };
    let client: JsonClient | undefined;
    let persona = personas[0]!;
    for (let i = 1; i <= JSON_FRAMES; i++) {
      if (!client || client.closeEvent) {
        client?.destroy();
        persona = random.pick(personas);
        client = await JsonClient.connect(server.wsUrl);
        if (random.chance(0.85)) client.send({ type: "Auth", token: persona.token, room_id: persona.room });
      }
      const last = client.all("GraphState").at(-1);
      if (last && persona.room === fuzz.roomId) fuzzSchema = last.state;
      const valid = random.pick<() => object>([
        () => ({ type: "GraphOp", op: randomOperation(random, fuzzSchema, i), request_id: i }),
        () => ({ type: "GraphOp", op: randomJson(random) }),
        () => ({ type: "CursorMove", position: [random.int(1000), random.int(1000)] }),
        () => ({ type: "IdleStatus", is_active: random.chance(0.5) }),
        () => ({ type: "UserViewport", center: [0, 0], zoom: random.pick([1, 0, -1, 1e9]) }),
        () => ({ type: "Awareness", state: { user: { id: who.owner.userId, name: "Owner" }, cursor: { x: 1, y: 2 }, extra: randomJson(random) } }),
        () => ({ type: "RequestFullSync" }),
        () => ({ type: "Auth", token: persona.token, room_id: random.pick([main.roomId, fuzz.roomId, "nope"]) }),
        () => ({ type: random.pick(["Teleport", "__proto__", ""]), ...(randomJson(random) as object) }),
      ])();
      const text = JSON.stringify(valid);
      const roll = random.next();
      if (roll < 0.5) client.send(text);
      else if (roll < 0.8) client.send(Buffer.from(mutate(random, new TextEncoder().encode(text))).toString("latin1"));
      else if (roll < 0.9) client.socket.send(bytes(random, 32), { binary: true });
      else client.socket.send(Buffer.from(mutate(random, new TextEncoder().encode(text))), { binary: false });
      if (i % CHECK_EVERY === 0) await mainRoomIsHealthy();
    }
    client?.destroy();
  });

  it("survives random methods, paths, headers and bodies on every REST route", async () => {
    const ids = () =>
      random.pick([main.diagramId, fuzz.diagramId, main.roomId, fuzz.roomId, uuid(random), main.diagramId.toUpperCase(), "..", "%2e%2e", "%zz", "1%20OR%201=1", "x".repeat(300), encodeURIComponent(randomString(random, 12))]);
    const paths = [
      () => "/api/diagrams",
      () => `/api/diagrams/${ids()}`,
      () => `/api/diagrams/${ids()}/schema`,
      () => `/api/diagrams/${ids()}/shares`,
      () => `/api/diagrams/${ids()}/shares/${ids()}`,
      () => "/api/liveshare/sessions",
      () => `/api/liveshare/sessions/${ids()}`,
      () => `/api/liveshare/sessions/${ids()}/snapshots`,
      () => "/api/dev/token",
      () => "/healthz",
      () => "/readyz",
      () => "/",
      () => `/${encodeURIComponent(randomString(random, 20))}`,
      () => `/api/${ids()}?${encodeURIComponent(randomString(random, 10))}=1`,
    ];
    // Nobody here may change the main diagram: its viewer, the fuzz diagram's editor, or no one.
    const tokens = [who.viewer.token, who.stranger.token, "garbage", `${who.viewer.token}x`, undefined];
    const bodies = [
      () => JSON.stringify(randomJson(random)),
      () => JSON.stringify({ name: randomString(random, 300) }),
      () => JSON.stringify({ permission: random.pick(["view", "edit", "owner", 1]) }),
      () => JSON.stringify({ diagram_id: random.pick([main.diagramId, fuzz.diagramId, "x"]) }),
      () => JSON.stringify({ username: randomString(random, 30) }),
      () => Buffer.from(bytes(random, 64)),
      () => Buffer.from(mutate(random, new TextEncoder().encode(JSON.stringify({ name: "x", permission: "edit" })))),
      () => "",
    ];
    const failures: string[] = [];
    for (let i = 1; i <= REST_REQUESTS; i++) {
      const method = random.pick(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]);
      const path = random.pick(paths)();
      const token = random.pick(tokens);
      const headers: Record<string, string> = {};
      if (token) headers.authorization = random.chance(0.9) ? `Bearer ${token}` : token;
      if (random.chance(0.7)) headers["content-type"] = random.pick(["application/json", "text/plain", "application/json; charset=latin1", "multipart/form-data; boundary=x"]);
      if (random.chance(0.1)) headers["x-forwarded-for"] = randomString(random, 10).replace(/[^\x21-\x7e]/g, "a") || "a";
      const body = method === "GET" || method === "HEAD" ? undefined : random.pick(bodies)();
      // Node's client frames DELETE and OPTIONS bodies only with an explicit length.
      if (body !== undefined) headers["content-length"] = String(Buffer.byteLength(body));
      const response = await send(server.httpUrl, { method, path, headers, ...(body !== undefined ? { chunks: [body] } : {}) });
      const label = `${method} ${path} -> ${response.status}`;
      if (response.status >= 500) failures.push(`${label}: ${response.text.slice(0, 200)}`);
      else if (response.status >= 400 && method !== "HEAD" && typeof response.body?.error?.code !== "string") failures.push(`${label}: not a JSON error: ${response.text.slice(0, 200)}`);
      if (i % CHECK_EVERY === 0) await mainRoomIsHealthy();
    }
    expect(failures).toEqual([]);
  });

  it("leaves the main room syncing, its data intact, and the fuzz room's document loadable and valid", async () => {
    await mainRoomIsHealthy();
    expect((await send(server.httpUrl, { method: "GET", path: "/readyz" })).status).toBe(200);
    const schema = await server.api.request("GET", `/api/diagrams/${fuzz.diagramId}/schema`, { token: who.owner.token });
    expect(schema.status).toBe(200);
    const stored = await new DocumentStore(server.db).load(fuzz.diagramId);
    expect(stored.skipped).toBe(0);
    const doc = new Y.Doc();
    if (stored.update) Y.applyUpdate(doc, stored.update);
    expect(findViolations(doc)).toEqual([]);
    // A newcomer to the fuzz room gets exactly what the server holds.
    const newcomer = newProvider(server.wsUrl, fuzz.roomId, who.owner.token);
    try {
      await synced(newcomer);
      const live = serverDoc(server, fuzz.roomId);
      if (live) expect(readSchema(newcomer.doc)).toEqual(readSchema(live));
      expect(readSchema(newcomer.doc)).toEqual(readSchema(doc));
    } finally {
      newcomer.destroy();
    }
  });
});
