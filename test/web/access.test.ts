import { describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { liveShareFixture } from "../helpers/fixture.ts";
import { browserFixture, editorPath, snapshot, synced } from "../helpers/browser.ts";

const node = (page: Page, name: string) => page.locator(`.react-flow__node:has(.table-node[data-table="${name}"])`);

// Browsers on a shared two-core machine: generous, since a person-sized scenario takes seconds.
describe("the editor's access states", { timeout: 120_000 }, () => {
  const live = liveShareFixture();
  const browser = browserFixture();

  it("opens the share link straight into the live editor, and keeps the token out of the address", async () => {
    const server = await live.start();
    const { token, diagramId } = await server.api.room("alice");
    const session = await server.api.request("POST", "/api/liveshare/sessions", { token, body: { diagram_id: diagramId } });
    const { token: bobToken } = await server.api.member({ token, diagramId }, "bob");

    const bob = await browser.person(server, bobToken, session.body.share_link);
    await synced(bob);
    expect(bob.url()).toBe(`${server.httpUrl}${session.body.share_link}`);
    expect(await bob.locator(".diagram-name").textContent()).toBe("Test diagram");
    await snapshot(bob, "07-share-link-opened");
  });

  it("joins the diagram's live session when the link has no room, or its session has ended", async () => {
    const server = await live.start();
    const { token, diagramId, roomId } = await server.api.room("alice");
    await server.api.request("DELETE", `/api/liveshare/sessions/${roomId}`, { token });

    const alice = await browser.person(server, token, editorPath(diagramId, roomId));
    await synced(alice);
    const joined = new URL(alice.url()).searchParams.get("room");
    expect(joined).not.toBe(roomId);
    const { body } = await server.api.request("GET", `/api/diagrams/${diagramId}`, { token });
    expect(joined).toBe(body.active_room_id);

    const again = await browser.person(server, token, editorPath(diagramId));
    await synced(again);
    expect(new URL(again.url()).searchParams.get("room")).toBe(body.active_room_id);
  });

  it("lets a viewer look but not edit, and says so", async () => {
    const server = await live.start();
    const { token, diagramId, roomId } = await server.api.room("alice");
    const { token: viewerToken } = await server.api.member({ token, diagramId }, "victor", "view");
    const alice = await browser.person(server, token, editorPath(diagramId, roomId));
    await synced(alice);
    await alice.getByRole("button", { name: "+ Table" }).click();

    const victor = await browser.person(server, viewerToken, editorPath(diagramId, roomId));
    await synced(victor);
    await victor.locator('.table-node[data-table="table_1"]').waitFor();
    await victor.getByText("View only.").waitFor();
    expect(await victor.getByRole("button", { name: "+ Table" }).count()).toBe(0);
    expect(await victor.getByRole("button", { name: "Import" }).count()).toBe(0);

    // A drag pans his view and moves nothing, for him or for anyone else.
    const before = (await node(alice, "table_1").boundingBox())!;
    const placed = await node(victor, "table_1").evaluate((e) => (e as HTMLElement).style.transform);
    const head = (await victor.locator('.table-node[data-table="table_1"] .table-head').boundingBox())!;
    await victor.mouse.move(head.x + 20, head.y + 10);
    await victor.mouse.down();
    for (let i = 1; i <= 8; i++) await victor.mouse.move(head.x + 20 + i * 20, head.y + 10 + i * 10);
    await victor.mouse.up();
    expect(await node(victor, "table_1").evaluate((e) => (e as HTMLElement).style.transform)).toBe(placed);
    // Selecting shows the table's details, read-only; Delete and Ctrl+Z change nothing.
    await victor.locator('.table-node[data-table="table_1"] .table-head').click();
    expect(await victor.getByLabel("Table name").getAttribute("readonly")).not.toBeNull();
    await victor.keyboard.press("Delete");
    await victor.keyboard.press("Control+z");
    await snapshot(victor, "08-viewer-view-only");
    await alice.getByRole("button", { name: "+ Table" }).click();
    await victor.locator('.table-node[data-table="table_2"]').waitFor();
    expect(await victor.locator('.table-node[data-table="table_1"]').count()).toBe(1);
    expect((await node(alice, "table_1").boundingBox())!.x).toBe(before.x);
    const schema = await server.api.request("GET", `/api/diagrams/${diagramId}/schema`, { token });
    expect(schema.body.tables.map((t: { name: string }) => t.name).sort()).toEqual(["table_1", "table_2"]);
  });

  it("tells someone whose access was revoked, in plain words", async () => {
    const server = await live.start();
    const { token, diagramId, roomId } = await server.api.room("alice");
    const { token: bobToken, userId: bobId } = await server.api.member({ token, diagramId }, "bob");
    const bob = await browser.person(server, bobToken, editorPath(diagramId, roomId));
    await synced(bob);

    await server.api.request("DELETE", `/api/diagrams/${diagramId}/shares/${bobId}`, { token });
    await bob.getByRole("alertdialog").getByText("Your access was removed").waitFor();
    expect(await bob.getByRole("button", { name: "+ Table" }).count()).toBe(1); // behind the notice, but nothing reconnects
    expect(await bob.locator(".sync-badge").getAttribute("data-connection")).toBe("error");
    expect(await bob.locator(".sync-badge").innerText()).toBe("No access");
    await snapshot(bob, "09-access-revoked");
  });

  it("tells everyone when the session ends or the diagram is deleted", async () => {
    const server = await live.start();
    const { token, diagramId, roomId } = await server.api.room("alice");
    const alice = await browser.person(server, token, editorPath(diagramId, roomId));
    await synced(alice);
    await server.api.request("DELETE", `/api/liveshare/sessions/${roomId}`, { token });
    await alice.getByRole("alertdialog").getByText("This live session has ended").waitFor();
    expect(await alice.locator(".sync-badge").innerText()).toBe("Session ended");
    await snapshot(alice, "10-session-ended");

    await alice.getByRole("link", { name: "Open the diagram again" }).click();
    await synced(alice);
    await server.api.request("DELETE", `/api/diagrams/${diagramId}`, { token });
    await alice.getByRole("alertdialog").getByText("This diagram was deleted").waitFor();
    expect(await alice.locator(".sync-badge").innerText()).toBe("Deleted");
    await snapshot(alice, "11-diagram-deleted");
  });
});
