import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { liveShareFixture } from "../helpers/fixture.ts";

const CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

describe("the interactive API docs in a browser", () => {
  const { server } = liveShareFixture({ shared: true });
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it("render every tag and the diagram operations with no request leaving this server, and try one out with a token", { timeout: 90_000 }, async () => {
    const page = await browser.newPage();
    const elsewhere: string[] = [];
    // As on a machine without internet: any request to another host fails, and is recorded.
    await page.route("**/*", (route) => {
      const url = new URL(route.request().url());
      if (url.host === `127.0.0.1:${server.port}`) return route.continue();
      elsewhere.push(url.href);
      return route.abort();
    });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));

    await page.goto(`${server.httpUrl}/api/docs`);
    await page.locator("#operations-Sharing-findShareCandidates").waitFor();
    await page.locator("#operations-Diagrams-updateDiagram").waitFor();
    const tags = await page.locator("h3[id^=operations-tag-]").evaluateAll((els) => els.map((e) => e.id.replace("operations-tag-", "")));
    expect(tags).toEqual(["Diagrams", "Sharing", "Sessions", "Snapshots", "Import\\,_export_and_diff", "Users", "Development", "Operations", "Documentation"]);

    // Authorize with a development token and call GET /api/me from the page.
    const { token } = await server.api.login("docs-reader");
    await page.getByRole("button", { name: /authorize/i }).first().click();
    await page.locator(".modal-ux input").first().fill(token);
    await page.locator(".modal-ux button.authorize").click();
    await page.locator(".modal-ux button.btn-done").click();
    const operation = page.locator("#operations-Users-getMe");
    await operation.locator(".opblock-summary").first().click();
    await operation.locator("button.try-out__btn").click();
    await operation.locator("button.execute").click();
    await operation.locator(".live-responses-table td.response-col_status", { hasText: "200" }).waitFor();
    expect(await operation.locator(".live-responses-table").textContent()).toContain("docs-reader");

    expect(elsewhere).toEqual([]);
    expect(errors).toEqual([]);
  });
});
