import { describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { liveShareFixture } from "../helpers/fixture.ts";
import type { TestServer } from "../helpers/server.ts";
import { browserFixture, snapshot, synced } from "../helpers/browser.ts";

/** The canvas's card for a table, and its React Flow node (which carries the position). */
const card = (page: Page, name: string) => page.locator(`.table-node[data-table="${name}"]`);
const node = (page: Page, name: string) => page.locator(`.react-flow__node:has(.table-node[data-table="${name}"])`);

// Browsers on a shared two-core machine: generous, since a person-sized scenario takes seconds.
describe("the editor, with two people in one diagram", { timeout: 120_000 }, () => {
  const live = liveShareFixture();
  const browser = browserFixture();

  const aliceAndBob = (server: TestServer) => browser.aliceAndBob(server);

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

  it("shows each person's cursor with their name and their selection, and follows a person's view", async () => {
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

    // Clicking Bob in the presence list follows his view: Alice's canvas takes his zoom and centre.
    const scale = (page: Page) => page.locator(".react-flow__viewport").evaluate((e) => new DOMMatrix(getComputedStyle(e).transform).a);
    await bob.getByRole("button", { name: "Zoom In" }).click();
    await bob.getByRole("button", { name: "Zoom In" }).click();
    const bobs = await scale(bob);
    expect(bobs).not.toBeCloseTo(await scale(alice), 2);
    await alice.locator('.presence .person[data-user="bob"] button').click();
    await expect.poll(() => scale(alice), { timeout: 10_000 }).toBeCloseTo(bobs, 2);
    expect(await alice.locator('.presence .person[data-user="bob"]').textContent()).toContain("Following");
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

  it("relates two columns by dragging from one to the other, edits columns, and undoes only one's own change", async () => {
    const { alice, bob } = await aliceAndBob(await live.start());
    // Two tables side by side (set up through the page's client; the drag below is what is tested).
    await alice.evaluate(() => {
      const client = (window as unknown as { liveshare: { apply(op: unknown): unknown } }).liveshare;
      client.apply({ type: "CreateTable", name: "customers", x: 0, y: 0, columns: [{ name: "id", type: "uuid", primary_key: true, nullable: false }] });
      client.apply({ type: "CreateTable", name: "invoices", x: 400, y: 0, columns: [{ name: "id", type: "uuid", primary_key: true, nullable: false }] });
    });
    await card(bob, "invoices").waitFor();

    // Add a column to invoices in the panel, and make it NOT NULL.
    await card(alice, "invoices").locator(".table-head").click();
    await alice.getByLabel("New column name").fill("customer_id");
    await alice.getByLabel("New column type").fill("uuid");
    await alice.getByRole("button", { name: "Add column" }).click();
    await card(bob, "invoices").locator('.column[data-column="customer_id"]').waitFor();
    await alice.getByLabel("customer_id: nullable").uncheck();
    await expect.poll(() => card(bob, "invoices").locator('.column[data-column="customer_id"] .mark.null').count()).toBe(0);

    const from = (await card(alice, "invoices").locator('.column[data-column="customer_id"] .react-flow__handle-left').boundingBox())!;
    const to = (await card(alice, "customers").locator('.column[data-column="id"] .react-flow__handle-right').boundingBox())!;
    await alice.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await alice.mouse.down();
    for (let i = 1; i <= 10; i++) await alice.mouse.move(from.x + ((to.x - from.x) * i) / 10 + 2, from.y + ((to.y - from.y) * i) / 10 + 2);
    await alice.mouse.move(to.x + to.width / 2, to.y + to.height / 2);
    await alice.mouse.up();
    await bob.locator(".react-flow__edge").waitFor();
    await card(bob, "invoices").locator('.column[data-column="customer_id"] .mark.fk').waitFor();
    await snapshot(bob, "18-relationship-drawn-by-alice");

    // Bob renames customers; Alice's Ctrl+Z takes back her relationship, not his rename.
    await card(bob, "customers").locator(".table-head").click();
    await bob.getByLabel("Table name").fill("clients");
    await bob.getByLabel("Table name").press("Enter");
    await card(alice, "clients").waitFor();
    await alice.locator(".react-flow__pane").click({ position: { x: 600, y: 600 } });
    await alice.keyboard.press("Control+z");
    await bob.locator(".react-flow__edge").waitFor({ state: "detached" });
    expect(await card(bob, "clients").count()).toBe(1);
    // One step only, however quickly her edits came: the column she added a moment before stays, NOT NULL.
    expect(await card(bob, "invoices").locator('.column[data-column="customer_id"]').count()).toBe(1);
    expect(await card(bob, "invoices").locator('.column[data-column="customer_id"] .mark.null').count()).toBe(0);
    await alice.keyboard.press("Control+Shift+z");
    await bob.locator(".react-flow__edge").waitFor();
  });
});
