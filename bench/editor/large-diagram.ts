/** The set-up both editor benchmarks share: a server holding one 500-table diagram, and a Chromium. */
import type { Browser } from "playwright-core";
import { buildDiagram } from "../../src/schema-doc/index.ts";
import { newLiveShare, type TestServer } from "../../test/helpers/server.ts";
import { acknowledged, newProvider, synced, type TestProvider } from "../../test/helpers/provider.ts";
import { ensureEditorBuilt, launchChromium } from "../../test/helpers/browser.ts";

export interface LargeDiagram {
  server: TestServer;
  browser: Browser;
  token: string;
  roomId: string;
  diagramId: string;
  /** The share link with the token in its fragment, as an embedding application would open it. */
  url: string;
  close(): Promise<void>;
}

export async function openLargeDiagram(user: string): Promise<LargeDiagram> {
  ensureEditorBuilt();
  // The whole diagram arrives as one update of about 1.3 MB: above the 1 MiB default message limit.
  const server = await newLiveShare({ SNAPSHOT_INTERVAL_MS: "3600000", MAX_MESSAGE_BYTES: String(16 * 1024 * 1024) });
  const browser = await launchChromium();
  const { token, roomId, diagramId } = await server.api.room(user);
  const author = newProvider(server.wsUrl, roomId, token);
  await synced(author);
  buildDiagram(author.doc, { tables: 500, columnsPerTable: 10, relationships: 400, seed: 1 });
  await acknowledged(author, 60_000);
  author.destroy();
  const url = `${server.httpUrl}/editor/${diagramId}?room=${roomId}#token=${encodeURIComponent(token)}`;
  return {
    server, browser, token, roomId, diagramId, url,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/** People moving their cursors over the diagram: stop them with `stop()`. */
export interface RemoteCursors {
  stop(): void;
}

/**
 * `count` more people, each given edit access to the diagram and joined with a Yjs provider, moving
 * their cursors every 33 ms (30 Hz) — the crowd both editor benchmarks drag a table in front of.
 */
export async function moveRemoteCursors(diagram: Pick<LargeDiagram, "server" | "token" | "diagramId" | "roomId">, count: number): Promise<RemoteCursors> {
  const { server, token, diagramId, roomId } = diagram;
  const remotes: TestProvider[] = [];
  for (let i = 0; i < count; i++) {
    const other = await server.api.login(`remote_${i}`);
    await server.api.request("PUT", `/api/diagrams/${diagramId}/shares/${other.userId}`, { token, body: { permission: "edit" } });
    remotes.push(newProvider(server.wsUrl, roomId, other.token));
  }
  await Promise.all(remotes.map((r) => synced(r, 30_000)));
  let tick = 0;
  const moving = setInterval(() => {
    tick++;
    remotes.forEach((r, i) => r.provider.awareness!.setLocalStateField("cursor", { x: 200 + ((tick * 7 + i * 50) % 2000), y: 200 + ((tick * 5 + i * 80) % 1500) }));
  }, 33);
  return {
    stop() {
      clearInterval(moving);
      for (const r of remotes) r.destroy();
    },
  };
}
