import { HocuspocusProvider, HocuspocusProviderWebsocket } from "@hocuspocus/provider";
import WebSocket from "ws";
import * as Y from "yjs";
import { waitFor } from "./wait.ts";

export interface TestProvider {
  provider: HocuspocusProvider;
  socket: HocuspocusProviderWebsocket;
  doc: Y.Doc;
  authFailure: string | undefined;
  closeReasons: string[];
  destroy(): void;
}

/** Like Hocuspocus's `newHocuspocusProvider()`: a real provider over `ws` to a test server's /collab. */
export function newProvider(wsUrl: string, roomId: string, token: string, doc = new Y.Doc()): TestProvider {
  const socket = new HocuspocusProviderWebsocket({ url: `${wsUrl}/collab`, WebSocketPolyfill: WebSocket, delay: 50, minDelay: 50, maxDelay: 500 });
  const result: TestProvider = {
    provider: undefined as unknown as HocuspocusProvider,
    socket,
    doc,
    authFailure: undefined,
    closeReasons: [],
    destroy() {
      // A socket still connecting errors asynchronously when closed ("closed before the connection
      // was established"), after the provider has let go of it: heard here, not left uncaught.
      const ws = socket.webSocket as unknown as WebSocket | null;
      if (ws && ws.readyState === WebSocket.CONNECTING) ws.on("error", () => {});
      result.provider.destroy();
      socket.destroy();
    },
  };
  result.provider = new HocuspocusProvider({
    websocketProvider: socket,
    name: roomId,
    document: doc,
    token,
    onAuthenticationFailed: ({ reason }) => {
      result.authFailure = reason;
    },
    onClose: ({ event }) => {
      if (event?.reason) result.closeReasons.push(event.reason);
    },
  });
  // A provider given its own websocket does not attach itself.
  result.provider.attach();
  return result;
}

export async function synced(p: TestProvider, timeoutMs = 10_000): Promise<void> {
  await waitFor(() => p.provider.isSynced, "provider sync", timeoutMs);
}

/** Waits until the server has acknowledged every change this provider made. */
export async function acknowledged(p: TestProvider, timeoutMs = 10_000): Promise<void> {
  await waitFor(() => p.provider.isSynced && p.provider.unsyncedChanges === 0, "unsyncedChanges to reach 0", timeoutMs);
}
