import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { liveShareFixture } from "../helpers/fixture.ts";
import { browserFixture, snapshot } from "../helpers/browser.ts";

// Browsers on a shared two-core machine: generous, since a person-sized scenario takes seconds.
describe("the editor's import and export", { timeout: 120_000 }, () => {
  const live = liveShareFixture();
  const browser = browserFixture();

  it("imports DDL into the live diagram, says where a parse error is, and exports DBML", async () => {
    const server = await live.start();
    const { alice, bob } = await browser.aliceAndBob(server, "view");

    await alice.getByRole("button", { name: "Import" }).click();
    const dialog = alice.getByRole("dialog", { name: "Import a schema" });
    await dialog.getByLabel("Source").fill("CREATE TABLE users (\n  id bigint PRIMARY KEY,\n  email text UNIQUE NOT NULL\n);\nCREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users(id));");
    await dialog.getByRole("button", { name: "Import" }).click();
    await dialog.getByText("Imported: 2 tables added").waitFor();
    await bob.locator('.table-node[data-table="users"]').waitFor();
    await bob.locator('.table-node[data-table="orders"] .mark.fk').waitFor();
    // The foreign key is drawn as a relationship with its cardinality written at both ends.
    await bob.locator(".react-flow__edge").waitFor();
    expect((await bob.locator(".cardinality").allTextContents()).sort()).toEqual(["1", "N"]);

    await dialog.getByLabel("Source").fill("CREATE TABLE broken (\n  id bigint PRIMARY KEY,\n  oops oops oops (\n);");
    await dialog.getByRole("button", { name: "Import" }).click();
    const error = await dialog.getByRole("alert").textContent();
    expect(error).toMatch(/line \d+/);
    await snapshot(alice, "16-import-parse-error");
    await dialog.getByRole("button", { name: "Close" }).click();
    expect(await alice.locator(".table-node").count()).toBe(2);

    // A viewer may export too.
    const download = bob.waitForEvent("download");
    await bob.getByLabel("Export").selectOption("dbml");
    const file = await readFile((await (await download).path())!, "utf8");
    expect(file).toMatch(/Table "?users"?/);
    await snapshot(bob, "17-imported-seen-by-viewer");
  });
});
