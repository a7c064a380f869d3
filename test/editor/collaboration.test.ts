import { describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { liveShareFixture } from "../helpers/fixture.ts";
import type { TestServer } from "../helpers/server.ts";
import { browserFixture, editorPath, snapshot, synced } from "../helpers/browser.ts";

/** The canvas's card for a table, and its React Flow node (which carries the position). */
const card = (page: Page, name: string) => page.locator(`.table-node[data-table="${name}"]`);
const node = (page: Page, name: string) => page.locator(`.react-flow__node:has(.table-node[data-table="${name}"])`);

// Browsers on a shared two-core machine: generous, since a person-sized scenario takes seconds.
describe("the editor, with two people in one diagram", { timeout: 120_000 }, () => {
  const live = liveShareFixture();
  const browser = browserFixture();

  /** Alice owns a diagram with a live room and shares it with Bob for editing; both have it open. */
  async function aliceAndBob(server: TestServer) {
    const { token: aliceToken, diagramId, roomId } = await server.api.room("alice");
    const { token: bobToken, userId: bobId } = await server.api.login("bob");
    await server.api.request("PUT", `/api/diagrams/${diagramId}/shares/${bobId}`, { token: aliceToken, body: { permission: "edit" } });
    const alice = await browser.person(server, aliceToken, editorPath(diagramId, roomId));
    const bob = await browser.person(server, bobToken, editorPath(diagramId, roomId));
    await synced(alice);
    await synced(bob);
    return { alice, bob, diagramId, roomId, aliceToken };
  }

  it("shows a table that A creates to B, and A sees B drag it", async () => {
    const { alice, bob } = await aliceAndBob(await live.start());

    await alice.getByRole("button", { name: "+ Table" }).click();
    await card(bob, "table_1").waitFor();
    await snapshot(bob, "01-table-created-by-alice-seen-by-bob");

    const before = (await node(alice, "table_1").boundingBox())!;
    const head = (await bob.locator('.table-node[data-table="table_1"] .table-head').boundingBox())!;
    await bob.mouse.move(head.x + 20, head.y + head.height / 2);
    await bob.mouse.down();
    for (let i = 1; i <= 10; i++) await bob.mouse.move(head.x + 20 + i * 15, head.y + head.height / 2 + i * 8);
    await bob.mouse.up();
    await expect.poll(async () => (await node(alice, "table_1").boundingBox())!.x - before.x, { timeout: 10_000 }).toBeGreaterThan(100);
    await snapshot(alice, "02-table-moved-by-bob-seen-by-alice");
  });

  it("shows each person's cursor with their name, and their selection", async () => {
    const { alice, bob } = await aliceAndBob(await live.start());
    await alice.getByRole("button", { name: "+ Table" }).click();
    await card(bob, "table_1").waitFor();

    await bob.locator('.table-node[data-table="table_1"] .table-head').click();
    await bob.mouse.move(300, 300);
    await bob.mouse.move(320, 310);
    const cursor = alice.locator('.remote-cursor[data-user="bob"]');
    await cursor.waitFor();
    expect(await cursor.textContent()).toContain("bob");
    await alice.locator('.table-node[data-table="table_1"] .selected-by', { hasText: "bob" }).waitFor();
    expect(await alice.locator('.presence .person[data-user="bob"]').textContent()).toContain("Active");
    await snapshot(alice, "03-bob-cursor-and-selection-seen-by-alice");
  });

  it("fades the cursor of someone who stopped moving and says they are Idle", async () => {
    const { alice, bob } = await aliceAndBob(await live.start({ IDLE_AFTER_MS: "400" }));
    await bob.mouse.move(300, 300);
    await bob.mouse.move(310, 305);
    await alice.locator('.remote-cursor[data-user="bob"]').waitFor();

    await alice.locator('.remote-cursor[data-user="bob"][data-status="idle"]').waitFor({ timeout: 10_000 });
    expect(await alice.locator('.presence .person[data-user="bob"]').textContent()).toContain("Idle");
    expect(Number(await alice.locator('.remote-cursor[data-user="bob"]').evaluate((e) => getComputedStyle(e).opacity))).toBeLessThan(1);
    await snapshot(alice, "04-bob-idle-seen-by-alice");
  });

  it("keeps the edits of someone who went offline and merges them with the others' when they are back", async () => {
    const { alice, bob } = await aliceAndBob(await live.start());
    await bob.context().setOffline(true);
    await bob.locator('.sync-badge[data-connection="offline"]').waitFor({ timeout: 15_000 });

    await bob.getByRole("button", { name: "+ Table" }).click();
    await card(bob, "table_1").waitFor();
    await bob.locator(".sync-badge", { hasText: "unsaved" }).waitFor();
    await snapshot(bob, "05-bob-offline-with-an-unsaved-change");
    await alice.getByRole("button", { name: "+ Table" }).click();
    await card(alice, "table_1").waitFor();
    // Both named their table table_1 without knowing of the other's: rename Alice's so each is told apart.
    await card(alice, "table_1").locator(".table-head").click();
    await alice.getByLabel("Table name").fill("alices_table");
    await alice.getByLabel("Table name").press("Enter");
    await card(alice, "alices_table").waitFor();

    await bob.context().setOffline(false);
    await synced(bob);
    for (const page of [alice, bob]) {
      await card(page, "alices_table").waitFor();
      await card(page, "table_1").waitFor();
    }
    const tables = async (page: Page) => (await page.locator(".table-node").evaluateAll((nodes) => nodes.map((n) => n.getAttribute("data-table")))).sort();
    expect(await tables(alice)).toEqual(["alices_table", "table_1"]);
    expect(await tables(bob)).toEqual(await tables(alice));
    await snapshot(bob, "06-bob-back-online-converged");
  });
});
