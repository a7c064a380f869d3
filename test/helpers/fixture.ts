import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import type * as Y from "yjs";
import type { Database } from "../../src/storage/database.ts";
import { RawClient } from "./raw-client.ts";
import { JsonClient } from "./json-client.ts";
import { newProvider, synced, type TestProvider } from "./provider.ts";
import { newLiveShare, type Backend, type TestServer } from "./server.ts";
import { actors, type Actors } from "./users.ts";

/** Anything a test opens that has to be closed after it. */
export type Closeable = { destroy(): void } | { close(): unknown };

export interface StartOptions {
  backend?: Backend;
  /** Another server's database (a restart, or a second instance): its owner drops it. */
  db?: Database;
}

export interface FixtureOptions {
  /** One server for all the block's tests, started before them (`live.server`); clients still close after each test. */
  shared?: boolean;
  /** The shared server's environment. */
  env?: Record<string, string>;
  backend?: Backend;
  /** With `shared`: logs in `<users>-owner`, `-editor`, `-viewer` and `-stranger` (`live.who`). */
  users?: string;
}

// Every field, so that the compiler says when TestServer or Actors gains one.
const SERVER_FIELDS: Record<keyof TestServer, true> = { liveshare: true, port: true, httpUrl: true, wsUrl: true, api: true, db: true, schema: true, close: true };
const ACTOR_FIELDS: Record<keyof Actors, true> = { owner: true, editor: true, viewer: true, stranger: true };

/** An object whose fields are `target()`'s, read when used: a handle to something that does not exist yet. */
function lateBound<T extends object>(target: () => T, fields: Record<keyof T, true>): T {
  const handle = {} as T;
  for (const field of Object.keys(fields) as (keyof T)[]) Object.defineProperty(handle, field, { enumerable: true, get: () => target()[field] });
  return handle;
}

/** What one test (or, outside a test, the whole block) opened, closed in reverse order. */
class Scope {
  readonly servers: TestServer[] = [];
  private readonly clients: Closeable[] = [];

  track<T extends Closeable>(thing: T): T {
    this.clients.push(thing);
    return thing;
  }

  async close(): Promise<void> {
    for (const c of this.clients.splice(0).reverse()) {
      if ("destroy" in c) c.destroy();
      else await c.close();
    }
    // The last started first: a restarted server closes before the one that owns its database.
    for (const s of this.servers.splice(0).reverse()) await s.close();
  }
}

/**
 * LiveShare servers and their clients for a `describe` block, each closed when it is done with.
 *
 * A server per test: `const live = liveShareFixture()`, then `const server = await live.start(env)`
 * in each test. One server for the block: `const { server, who, call } = liveShareFixture({ shared:
 * true, users: "api" })`. Whatever a test opens through it (servers, providers, JSON clients, raw
 * sockets, anything given to `track`) is closed after that test; whatever a `beforeAll` opens, after
 * the block. Call it first in the block: its closing then runs after the block's own hooks.
 */
export function liveShareFixture(options: FixtureOptions = {}) {
  if (options.users !== undefined && !options.shared) throw new Error("users needs a shared server");
  const block = new Scope();
  let test: Scope | undefined;
  let shared: TestServer | undefined;
  let who: Actors | undefined;
  const scope = () => test ?? block;

  if (options.shared) {
    beforeAll(async () => {
      shared = await newLiveShare(options.env, { backend: options.backend });
      block.servers.push(shared);
      if (options.users !== undefined) who = await actors(shared, options.users);
    });
  }
  beforeEach(() => {
    test = new Scope();
  });
  afterEach(async () => {
    const done = test;
    test = undefined;
    await done?.close();
  });
  afterAll(() => block.close());

  /** The shared server, else the last one started (in this test, else in the block). */
  const current = (): TestServer => {
    const server = shared ?? test?.servers.at(-1) ?? block.servers.at(-1);
    if (!server) throw new Error(options.shared ? "the shared server has not started" : "call start() first");
    return server;
  };

  const live = {
    /** Starts a server on port 0 with its own database (unless given one); closed when its test or block is. */
    async start(env: Record<string, string> = {}, startOptions: StartOptions = {}): Promise<TestServer> {
      const server = await newLiveShare(env, startOptions);
      scope().servers.push(server);
      return server;
    },

    /** The server (see `current`), usable before it starts: its fields are read when used. */
    server: lateBound(current, SERVER_FIELDS),
    /** The shared server's four users (`users` option), usable before they log in. */
    who: lateBound(logged, ACTOR_FIELDS),

    /** A REST call to the server: `call("PUT", path, token, { permission: "edit" })`. */
    call: (method: string, path: string, token?: string, body?: unknown) => current().api.call(method, path, token, body),

    /** A Yjs provider on the server. */
    connect: (roomId: string, token: string, doc?: Y.Doc): TestProvider => scope().track(newProvider(current().wsUrl, roomId, token, doc)),

    /** A Yjs provider on the server, once it has synced. */
    connectSynced: async (roomId: string, token: string): Promise<TestProvider> => {
      const p = live.connect(roomId, token);
      await synced(p);
      return p;
    },

    /** A JSON-protocol client that has joined the room (its RoomInfo arrived). */
    join: async (roomId: string, token: string): Promise<JsonClient> => scope().track(await JsonClient.join(current().wsUrl, token, roomId)),

    /** A JSON-protocol client that has not authenticated. */
    openJson: async (): Promise<JsonClient> => scope().track(await JsonClient.connect(current().wsUrl)),

    /** A bare Hocuspocus-protocol socket on `/collab` (or `path`). */
    raw: async (path?: string): Promise<RawClient> => scope().track(await RawClient.open(current().wsUrl, path)),

    /** Closes `thing` with what the test (or block) opened. */
    track: <T extends Closeable>(thing: T): T => scope().track(thing),

    /** Closes now what the current test (or block) opened, its servers included. */
    closeAll: (): Promise<void> => scope().close(),
  };

  function logged(): Actors {
    if (!who) throw new Error(options.users === undefined ? "no users: pass the users option" : "the users have not logged in");
    return who;
  }

  return live;
}

export type LiveShareFixture = ReturnType<typeof liveShareFixture>;
