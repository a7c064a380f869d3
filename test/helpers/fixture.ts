import { afterEach } from "vitest";
import type { Database } from "../../src/storage/database.ts";
import { newProvider, type TestProvider } from "./provider.ts";
import { newLiveShare, type Backend, type TestServer } from "./server.ts";

/**
 * A server and its providers for one test, torn down after it: `const live = liveShareFixture()` in a
 * `describe`, then `await live.start()` and `live.connect(roomId, token)` in each test.
 */
export function liveShareFixture() {
  let current: TestServer | undefined;
  // Hands the server over to be closed, and forgets it.
  const { providers } = closeAfterEach(() => {
    const server = current;
    current = undefined;
    return server;
  });
  return {
    async start(env: Record<string, string> = {}, options: { backend?: Backend; db?: Database } = {}): Promise<TestServer> {
      current = await newLiveShare(env, options);
      return current;
    },
    get server(): TestServer {
      if (!current) throw new Error("call start() first");
      return current;
    },
    /** A provider on the running server, destroyed after the test. */
    connect(roomId: string, token: string): TestProvider {
      const p = newProvider(this.server.wsUrl, roomId, token);
      providers.push(p);
      return p;
    },
  };
}

/**
 * Closes what a test opened, after each test: its providers, its other clients (JSON-protocol
 * clients), then its server. For tests that keep `let server` themselves:
 * `const { providers, clients } = closeAfterEach<JsonClient>(() => server);`.
 */
export function closeAfterEach<Client extends { destroy(): void } = { destroy(): void }>(server: () => { close(): Promise<void> } | undefined) {
  const providers: TestProvider[] = [];
  const clients: Client[] = [];
  afterEach(async () => {
    for (const p of providers.splice(0)) p.destroy();
    for (const c of clients.splice(0)) c.destroy();
    await server()?.close();
  });
  return { providers, clients };
}
