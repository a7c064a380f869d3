/**
 * The built client (`npm run build:client` → dist/) as its users run it: the README's Node example on
 * Node 20, and a page in a real Chromium (playwright-core, Debian's /usr/bin/chromium) that keeps its
 * edits in IndexedDB across a reload while offline and merges them when the connection returns.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import * as esbuild from "esbuild";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { LiveShareClient } from "../../src/client/index.ts";
import { liveShareFixture } from "../helpers/fixture.ts";
import { waitFor } from "../helpers/wait.ts";
import { openLink, settled, type Link } from "./clients.ts";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../..", import.meta.url));
const CHROMIUM = "/usr/bin/chromium";
/** Debian's Node (20 on these machines), else this one. */
const NODE = existsSync("/usr/bin/node") ? "/usr/bin/node" : process.execPath;

beforeAll(async () => {
  await run(process.execPath, [`${root}/node_modules/typescript/bin/tsc`, "-p", `${root}/tsconfig.client.json`], { cwd: root });
}, 120_000);

describe("the built client on Node 20: the README's example", () => {
  const live = liveShareFixture();

  it("joins, adds a table, waits until it is stored, and prints the diagram", async () => {
    const server = await live.start();
    const { stdout } = await run(NODE, [`${root}/examples/node-client.mjs`], { cwd: root, env: { ...process.env, LIVESHARE_URL: server.httpUrl } });
    const printed = JSON.parse(stdout) as { diagram_id: string; schema: { tables: { name: string }[] } };
    expect(printed.schema.tables.map((t) => t.name)).toEqual(["customers"]);
    const { token } = await server.api.login("node-example");
    const stored = await server.api.request("GET", `/api/diagrams/${printed.diagram_id}/schema`, { token });
    expect(stored.body.tables.map((t: { name: string }) => t.name)).toEqual(["customers"]);
  }, 60_000);
});

describe.skipIf(!existsSync(CHROMIUM))("the built client in Chromium", () => {
  const live = liveShareFixture();
  let browser: Browser;
  let pageServer: http.Server;
  let pageUrl: string;

  beforeAll(async () => {
    const bundle = await esbuild.build({
      entryPoints: [`${root}/test/client/page/entry.js`],
      bundle: true,
      format: "esm",
      platform: "browser",
      write: false,
    });
    const script = bundle.outputFiles[0]!.contents;
    const html = await readFile(`${root}/test/client/page/index.html`);
    pageServer = http.createServer((req, res) => {
      if (req.url === "/bundle.js") res.writeHead(200, { "content-type": "text/javascript" }).end(script);
      else res.writeHead(200, { "content-type": "text/html" }).end(html);
    });
    await new Promise<void>((resolve) => pageServer.listen(0, "127.0.0.1", resolve));
    pageUrl = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}/`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (pageServer ? pageServer.close(() => resolve()) : resolve()));
  });

  /** Opens the page and a client in it (`window.client`), joining through `link`. */
  const joinInPage = async (page: Page, link: Link, roomId: string, token: string, reload = false) => {
    if (reload) await page.reload();
    else await page.goto(pageUrl);
    await page.waitForFunction(() => "liveshare" in window);
    await page.evaluate(
      ({ url, roomId, token }) => {
        const w = window as unknown as { liveshare: typeof import("../../src/client/index.ts"); client: LiveShareClient };
        w.client = new w.liveshare.LiveShareClient({ url, roomId, token, offline: "indexeddb", reconnect: { minDelayMs: 100, maxDelayMs: 500 } });
      },
      { url: `${link.wsUrl}/collab`, roomId, token },
    );
  };
  const inPage = <T>(page: Page, fn: (client: LiveShareClient) => T) =>
    page.evaluate(`(${fn.toString()})(window.client)`) as Promise<Awaited<T>>;
  /** How many updates the page's IndexedDB holds for the room (y-indexeddb's "updates" store). */
  const storedUpdates = (page: Page, roomId: string) =>
    page.evaluate(
      (name) =>
        new Promise<number>((resolve, reject) => {
          const open = indexedDB.open(name);
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const count = open.result.transaction("updates").objectStore("updates").count();
            count.onsuccess = () => {
              open.result.close();
              resolve(count.result);
            };
          };
        }),
      `liveshare:${roomId}`,
    );

  // SPEC: CLIENT-6
  it("keeps edits made offline in IndexedDB across a reload, then merges them with a collaborator's", async () => {
    const server = await live.start();
    const { token, roomId, diagramId } = await server.api.room("ada");
    const link = await openLink(server.port);
    const peer = new LiveShareClient({ url: server.wsUrl, roomId, token, WebSocketPolyfill: WebSocket, reconnect: { minDelayMs: 50, maxDelayMs: 500 } });
    const page = await browser.newPage();
    try {
      await settled(peer);
      await joinInPage(page, link, roomId, token);
      await page.waitForFunction(() => (window as unknown as { client: LiveShareClient }).client.status.connection === "synced");
      const tableId = await inPage(page, (client) => {
        const [op] = client.apply([{ type: "CreateTable", name: "online", x: 0, y: 0 }]);
        return op!.type === "CreateTable" ? op!.table_id! : "";
      });
      await waitFor(() => peer.table(tableId) !== undefined, "the peer sees the page's table");

      link.cut();
      await page.waitForFunction(() => (window as unknown as { client: LiveShareClient }).client.status.connection === "offline");
      const before = await storedUpdates(page, roomId);
      await inPage(page, (client) => {
        client.apply({ type: "CreateTable", name: "made-offline", x: 5, y: 5 });
        client.apply({ type: "RenameTable", table_id: client.diagram().tables.find((t) => t.name === "online")!.id, name: "renamed-offline" });
      });
      await waitFor(async () => (await storedUpdates(page, roomId)) >= before + 2, "the offline edits in IndexedDB");
      peer.apply({ type: "MoveTable", table_id: tableId, x: 300, y: 200 });
      await settled(peer);

      // Reload while still offline: the edits come back from IndexedDB.
      await joinInPage(page, link, roomId, token, true);
      await inPage(page, (client) => client.ready);
      const afterReload = await inPage(page, (client) => ({ names: client.diagram().tables.map((t) => t.name).sort(), connection: client.status.connection }));
      expect(afterReload.names).toEqual(["made-offline", "renamed-offline"]);
      expect(afterReload.connection).not.toBe("synced");

      link.restore();
      await page.waitForFunction(() => {
        const { status } = (window as unknown as { client: LiveShareClient }).client;
        return status.connection === "synced" && status.unsyncedChanges === 0;
      }, undefined, { timeout: 20_000 });
      await waitFor(() => peer.diagram().tables.length === 2, "the peer sees the offline table");
      const merged = await inPage(page, (client) => client.table(client.diagram().tables.find((t) => t.name === "renamed-offline")!.id));
      expect(merged).toMatchObject({ name: "renamed-offline", x: 300, y: 200 });
      const stored = await server.api.request("GET", `/api/diagrams/${diagramId}/schema`, { token });
      expect(stored.body.tables.map((t: { name: string; x: number }) => [t.name, t.x]).sort()).toEqual([
        ["made-offline", 5],
        ["renamed-offline", 300],
      ]);

      // Leaving for good: the copy in IndexedDB goes.
      await inPage(page, (client) => client.clearOfflineCopy());
      const databases = await page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name));
      expect(databases).not.toContain(`liveshare:${roomId}`);
    } finally {
      await page.close();
      peer.destroy();
      await link.close();
    }
  }, 90_000);
});
