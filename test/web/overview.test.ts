import { describe, expect, it } from "vitest";
import { buildDiagram } from "../../src/schema-doc/index.ts";
import { liveShareFixture } from "../helpers/fixture.ts";
import { acknowledged, newProvider, synced as providerSynced } from "../helpers/provider.ts";
import { browserFixture, editorPath, snapshot, synced } from "../helpers/browser.ts";

// Browsers on a shared two-core machine: generous, since a person-sized scenario takes seconds.
describe("the editor, showing a large diagram whole", { timeout: 120_000 }, () => {
  const live = liveShareFixture();
  const browser = browserFixture();

  it("draws every table as a compact card and every relationship between them, the columns once zoomed in, and the cards again seen whole", async () => {
    const server = await live.start();
    const { token, diagramId, roomId } = await server.api.room("alice");
    const author = newProvider(server.wsUrl, roomId, token);
    try {
      await providerSynced(author);
      // Five rows of twenty: seen whole, far below the zoom at which columns are drawn.
      buildDiagram(author.doc, { tables: 100, columnsPerTable: 3, relationships: 60, seed: 7 });
      await acknowledged(author, 30_000);
    } finally {
      author.destroy();
    }

    const alice = await browser.person(server, token, editorPath(diagramId, roomId));
    await synced(alice);
    await expect.poll(() => alice.locator(".react-flow__node .table-node.compact").count(), { timeout: 15_000 }).toBe(100);
    // A compact card has no column handles: each relationship ends at the sides of its tables.
    await expect.poll(() => alice.locator(".react-flow__edge path.react-flow__edge-path").count(), { timeout: 10_000 }).toBe(60);
    expect(await alice.locator(".react-flow__node .column").count()).toBe(0);
    await snapshot(alice, "19-large-diagram-seen-whole");

    // Zoomed in on the middle, tables show their columns and relationships end at them.
    const canvas = (await alice.locator(".react-flow").boundingBox())!;
    await alice.mouse.move(canvas.x + canvas.width / 2, canvas.y + canvas.height / 2);
    for (let i = 0; i < 12 && (await alice.locator(".react-flow__node .column").count()) === 0; i++) {
      await alice.mouse.wheel(0, -400);
      await alice.waitForTimeout(150);
    }
    await expect.poll(() => alice.locator(".react-flow__node .column").count(), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(await alice.locator(".react-flow__node .table-node.compact").count()).toBe(0);

    // Whole again: compact cards, and every relationship drawn again.
    await alice.locator(".react-flow__controls-fitview").click();
    await expect.poll(() => alice.locator(".react-flow__node .table-node.compact").count(), { timeout: 10_000 }).toBe(100);
    await expect.poll(() => alice.locator(".react-flow__edge path.react-flow__edge-path").count(), { timeout: 10_000 }).toBe(60);
  });
});
