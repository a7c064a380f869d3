import { describe, expect, it } from "vitest";
import { liveShareFixture } from "../helpers/fixture.ts";
import { ensureEditorBuilt } from "../helpers/browser.ts";

describe("the server serving the editor", () => {
  const live = liveShareFixture();

  it("answers / and the share link with the editor's page, and its assets, without touching the API", async () => {
    ensureEditorBuilt();
    const server = await live.start();
    for (const path of ["/", "/editor/5b8f5a1e-0000-4000-8000-000000000000?room=x"]) {
      const response = await fetch(`${server.httpUrl}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get("content-type")).toContain("text/html");
      expect(response.headers.get("referrer-policy")).toBe("no-referrer");
      const html = await response.text();
      const script = html.match(/src="(\/assets\/[^"]+\.js)"/)?.[1];
      expect(script, "the page names its script").toBeDefined();
      const asset = await fetch(`${server.httpUrl}${script}`);
      expect(asset.status).toBe(200);
      expect(asset.headers.get("content-type")).toContain("javascript");
      expect(asset.headers.get("cache-control")).toContain("immutable");
    }
    expect((await fetch(`${server.httpUrl}/healthz`)).status).toBe(200);
    const api = await fetch(`${server.httpUrl}/api/diagrams/x`);
    expect(api.status).toBe(401);
    expect((await api.json()).error.code).toBe("unauthorized");
    const missing = await fetch(`${server.httpUrl}/assets/nothing-here.js`);
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe("not_found");
    expect((await fetch(`${server.httpUrl}/assets/..%2f..%2fpackage.json`)).status).toBe(404);
    expect((await fetch(`${server.httpUrl}/editor/a/b`)).status).toBe(404);
  });
});
