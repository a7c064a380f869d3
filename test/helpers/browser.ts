import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll } from "vitest";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { EDITOR_DIST } from "../../src/http/routes/editor.ts";
import type { TestServer } from "./server.ts";

/** Debian's Chromium, as CI installs it (see .ci/run). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** Screenshots of the states a person sees, for looking at (ignored by git). */
export const ARTIFACTS = `${ROOT}test-artifacts/editor/`;

/** Builds the editor once if `npm install` has not (a fresh checkout before `npm run build:web`). */
export function ensureEditorBuilt(): void {
  if (existsSync(`${EDITOR_DIST}index.html`)) return;
  execFileSync(process.execPath, [`${ROOT}node_modules/vite/bin/vite.js`, "build", "web", "--logLevel", "warn"], { cwd: ROOT, stdio: "inherit" });
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
}

/**
 * One Chromium for a test file, a fresh browser context per person per test (own storage, own
 * network switch), closed after each test.
 */
export function browserFixture() {
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    ensureEditorBuilt();
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
  }, 120_000);
  afterEach(async () => {
    for (const c of contexts.splice(0)) await c.close().catch(() => {});
  });
  afterAll(async () => {
    await browser?.close();
  });
  /** A person in their own browser context, signed in by the embedding application's `#token=…`. */
  async function person(server: TestServer, token: string, path: string, viewport = { width: 1280, height: 800 }): Promise<Page> {
    const context = await browser!.newContext({ viewport });
    contexts.push(context);
    const page = await context.newPage();
    page.on("pageerror", (error) => console.error(`page error: ${error.message}`));
    await page.goto(`${server.httpUrl}${path}#token=${encodeURIComponent(token)}`);
    return page;
  }
  return {
    person,
    /** Alice owns a diagram with a live room and shares it with Bob (`permission`); both have it open, synced. */
    async aliceAndBob(server: TestServer, permission: "edit" | "view" = "edit") {
      const { token, diagramId, roomId } = await server.api.room("alice");
      const bob = await server.api.member({ token, diagramId }, "bob", permission);
      const pages = { alice: await person(server, token, editorPath(diagramId, roomId)), bob: await person(server, bob.token, editorPath(diagramId, roomId)) };
      await synced(pages.alice);
      await synced(pages.bob);
      return { ...pages, token, diagramId, roomId };
    },
    async newContext(): Promise<BrowserContext> {
      const context = await browser!.newContext({ viewport: { width: 1280, height: 800 } });
      contexts.push(context);
      return context;
    },
  };
}

/** Saves a screenshot of what the person sees now, named after the state. */
export async function snapshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${ARTIFACTS}${name}.png` });
}

/** The editor page for a diagram and room. */
export const editorPath = (diagramId: string, roomId?: string) => `/editor/${diagramId}${roomId ? `?room=${roomId}` : ""}`;

/** Waits until the sync badge says Synced. */
export async function synced(page: Page): Promise<void> {
  await page.locator('.sync-badge[data-connection="synced"]').waitFor({ timeout: 15_000 });
}
