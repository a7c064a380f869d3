import { describe, expect, it } from "vitest";
import { liveShareFixture } from "../helpers/fixture.ts";
import { browserFixture, snapshot } from "../helpers/browser.ts";
import { waitFor } from "../helpers/wait.ts";

// Browsers on a shared two-core machine: generous, since a person-sized scenario takes seconds.
describe("the editor's history panel", { timeout: 120_000 }, () => {
  const live = liveShareFixture();
  const browser = browserFixture();

  it("previews a snapshot read-only and restores it for everyone", async () => {
    const server = await live.start({ SNAPSHOT_INTERVAL_MS: "200" });
    const { alice, bob, token, roomId } = await browser.aliceAndBob(server, "view");

    await alice.getByRole("button", { name: "+ Table" }).click();
    await alice.locator('.table-node[data-table="table_1"] .table-head').click();
    await alice.getByLabel("Table name").fill("orders");
    await alice.getByLabel("Table name").press("Enter");
    await bob.locator('.table-node[data-table="orders"]').waitFor();

    // A snapshot holding "orders", then the table is deleted.
    let withOrders: string | undefined;
    await waitFor(async () => {
      const { body } = await server.api.request("GET", `/api/liveshare/sessions/${roomId}/snapshots`, { token });
      for (const s of body.snapshots as { id: string }[]) {
        const one = await server.api.request("GET", `/api/liveshare/sessions/${roomId}/snapshots/${s.id}`, { token });
        if (one.body.schema.tables.some((t: { name: string }) => t.name === "orders")) withOrders = s.id;
      }
      return withOrders !== undefined;
    }, "a snapshot with the orders table");
    await alice.getByRole("button", { name: "Delete table" }).click();
    await bob.locator('.table-node[data-table="orders"]').waitFor({ state: "detached" });

    await alice.getByRole("button", { name: "History" }).click();
    const entry = alice.locator(`.snapshots li[data-snapshot="${withOrders}"]`);
    await entry.getByRole("button", { name: "Preview" }).click();
    const preview = alice.getByRole("region", { name: "Snapshot preview (read-only)" });
    await preview.getByText("orders").waitFor();
    expect(await entry.textContent()).toContain("alice");
    // The preview changes nothing: the live diagram still has no table.
    expect(await alice.locator(".table-node").count()).toBe(0);
    await snapshot(alice, "12-history-preview");

    // Bob only views: he sees the history but cannot restore.
    await bob.getByRole("button", { name: "History" }).click();
    await bob.locator(`.snapshots li[data-snapshot="${withOrders}"]`).waitFor();
    expect(await bob.getByRole("button", { name: "Restore" }).count()).toBe(0);

    alice.once("dialog", (dialog) => void dialog.accept());
    await entry.getByRole("button", { name: "Restore" }).click();
    await alice.getByText("Restored the diagram as it was").waitFor();
    await bob.locator('.table-node[data-table="orders"]').waitFor();
    await alice.locator('.table-node[data-table="orders"]').waitFor();
    await snapshot(bob, "13-restored-seen-by-bob");
  });
});
