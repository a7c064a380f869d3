import { describe, expect, it } from "vitest";
import { liveShareFixture } from "../helpers/fixture.ts";
import { browserFixture, snapshot, synced } from "../helpers/browser.ts";

// Browsers on a shared two-core machine: generous, since a person-sized scenario takes seconds.
describe("the editor's home page", { timeout: 120_000 }, () => {
  const live = liveShareFixture();
  const browser = browserFixture();

  it("signs in by name, creates, lists, renames, shares by name and deletes diagrams", async () => {
    const server = await live.start();
    await server.api.login("bob"); // Bob has signed in here before, so Alice can find him by name.
    const alice = await (await browser.newContext()).newPage();
    await alice.goto(`${server.httpUrl}/`);
    await alice.getByLabel("Your name").fill("alice");
    await alice.getByRole("button", { name: "Sign in" }).click();
    await alice.getByText("You have no diagrams yet").waitFor();

    await alice.getByLabel("New diagram").fill("Shop");
    await alice.getByRole("button", { name: "Create and open" }).click();
    await synced(alice);
    expect(new URL(alice.url()).pathname).toMatch(/^\/editor\//);
    expect(new URL(alice.url()).searchParams.get("room")).toBeTruthy();

    // Share with Bob, found by name.
    await alice.getByRole("button", { name: "Share" }).click();
    await alice.getByLabel("Add people").fill("bo");
    await alice.getByRole("button", { name: "Add bob" }).click();
    await alice.getByRole("dialog").getByText("bob can now edit.").waitFor();
    await alice.locator('.shares li[data-user="bob"]').waitFor();
    await snapshot(alice, "14-share-dialog");
    await alice.getByRole("button", { name: "Close" }).click();

    await alice.getByRole("link", { name: "← Diagrams" }).click();
    const row = alice.getByRole("row", { name: /Shop/ });
    await row.waitFor();
    expect(await row.textContent()).toContain("Owner");
    await row.getByRole("button", { name: "Rename" }).click();
    await alice.getByLabel("New name").fill("Shop v2");
    await alice.getByLabel("New name").press("Enter");
    await alice.getByRole("link", { name: "Shop v2" }).waitFor();
    await snapshot(alice, "15-diagram-list");

    const bob = await (await browser.newContext()).newPage();
    const { token: bobToken } = await server.api.login("bob");
    await bob.goto(`${server.httpUrl}/#token=${bobToken}`);
    expect(bob.url()).toBe(`${server.httpUrl}/`);
    const shared = bob.getByRole("row", { name: /Shop v2/ });
    await shared.waitFor();
    expect(await shared.textContent()).toContain("Can edit");
    expect(await shared.getByRole("button", { name: "Delete" }).count()).toBe(0);

    alice.once("dialog", (dialog) => void dialog.accept());
    await alice.getByRole("row", { name: /Shop v2/ }).getByRole("button", { name: "Delete" }).click();
    await alice.getByText("You have no diagrams yet").waitFor();
  });
});
