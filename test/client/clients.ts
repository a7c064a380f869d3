/** LiveShare clients for tests: real `LiveShareClient`s over `ws` to a test server, destroyed after each test. */
import { afterEach } from "vitest";
import WebSocket from "ws";
import { LiveShareClient, type LiveShareClientOptions } from "../../src/client/index.ts";
import { waitFor } from "../helpers/wait.ts";

export function clientsAfterEach() {
  const clients: LiveShareClient[] = [];
  afterEach(() => {
    for (const c of clients.splice(0)) c.destroy();
  });
  return {
    /** A client joining `roomId` on the server at `wsUrl` (fast reconnects, for tests). */
    join(wsUrl: string, roomId: string, auth: Pick<LiveShareClientOptions, "token" | "getToken">, options: Partial<LiveShareClientOptions> = {}): LiveShareClient {
      const client = new LiveShareClient({
        url: `${wsUrl}/collab`,
        roomId,
        ...auth,
        WebSocketPolyfill: WebSocket,
        reconnect: { minDelayMs: 50, maxDelayMs: 500 },
        ...options,
      });
      clients.push(client);
      return client;
    },
  };
}

/** Waits until the client is synced and the server has stored all its changes. */
export async function settled(client: LiveShareClient, timeoutMs = 10_000): Promise<void> {
  await waitFor(() => client.status.connection === "synced" && client.status.unsyncedChanges === 0, "client settled", timeoutMs);
}

/** The names of the diagram's tables, sorted. */
export function tableNames(client: LiveShareClient): string[] {
  return client.diagram().tables.map((t) => t.name).sort();
}
