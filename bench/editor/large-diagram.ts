/** The set-up both editor benchmarks share: a server holding one 500-table diagram, and a Chromium. */
import type { Browser } from "playwright-core";
import { buildDiagram } from "../../src/schema-doc/index.ts";
import { newLiveShare, type TestServer } from "../../test/helpers/server.ts";
import { acknowledged, newProvider, synced } from "../../test/helpers/provider.ts";
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
