/** LiveShare clients for tests: real `LiveShareClient`s over `ws` to a test server, destroyed with what the test opened. */
import net from "node:net";
import WebSocket from "ws";
import { LiveShareClient, type LiveShareClientOptions } from "../../src/client/index.ts";
import type { LiveShareFixture } from "../helpers/fixture.ts";
import { waitFor } from "../helpers/wait.ts";

export function liveShareClients(live: LiveShareFixture) {
  /** A client joining `roomId` on the server at `wsUrl` (fast reconnects, for tests). */
  const join = (wsUrl: string, roomId: string, auth: Pick<LiveShareClientOptions, "token" | "getToken">, options: Partial<LiveShareClientOptions> = {}): LiveShareClient =>
    live.track(
      new LiveShareClient({
        url: `${wsUrl}/collab`,
        roomId,
        ...auth,
        WebSocketPolyfill: WebSocket,
        reconnect: { minDelayMs: 50, maxDelayMs: 500 },
        ...options,
      }),
    );
  return {
    join,
    /** A server started with `env` where Ada owns a room shared with Bob for editing; both have joined, settled. */
    async adaAndBob(env: Record<string, string> = {}) {
      const server = await live.start(env);
      const owner = await server.api.room("ada");
      const bob = await server.api.member(owner, "bob");
      const a = join(server.wsUrl, owner.roomId, { token: owner.token });
      const b = join(server.wsUrl, owner.roomId, { token: bob.token });
      await Promise.all([settled(a), settled(b)]);
      return { server, owner, bob, a, b };
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

/**
 * A TCP link to a server that a test can cut and restore: what a client sees when the network goes
 * away (open sockets die, new ones are refused) without the server noticing anything but closes.
 */
export interface Link {
  /** `ws://127.0.0.1:<port>` through the link. */
  wsUrl: string;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function openLink(targetPort: number): Promise<Link> {
  const sockets = new Set<net.Socket>();
  let up = true;
  const server = net.createServer((client) => {
    if (!up) return client.destroy();
    const upstream = net.connect(targetPort, "127.0.0.1");
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => undefined);
    }
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    wsUrl: `ws://127.0.0.1:${port}`,
    cut() {
      up = false;
      for (const s of sockets) s.destroy();
    },
    restore() {
      up = true;
    },
    async close() {
      up = false;
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
