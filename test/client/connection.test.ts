import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { Tokens } from "../../src/auth/tokens.ts";
import type { ClientStatus } from "../../src/client/index.ts";
import { liveShareFixture } from "../helpers/fixture.ts";
import { sleep, waitFor } from "../helpers/wait.ts";
import { liveShareClients, openLink, settled, tableNames } from "./clients.ts";

const SECRET = "client-tests-secret-0123456789abcdef";

describe("LiveShareClient: connection state", () => {
  const live = liveShareFixture();
  const clients = liveShareClients(live);

  /** Ada (owner) and Bob (editor) in one room; Bob's client goes through a link the test can cut. */
  const room = async () => {
    const server = await live.start();
    const owner = await server.api.room("ada");
    const bob = await server.api.member(owner, "bob");
    const link = live.track(await openLink(server.port));
    return { server, owner, bob, link };
  };

  // SPEC: CLIENT-6
  it("merges edits made while offline on both sides when the connection returns", async () => {
    const { server, owner, bob, link } = await room();
    const a = clients.join(server.wsUrl, owner.roomId, { token: owner.token });
    const b = clients.join(link.wsUrl, owner.roomId, { token: bob.token });
    await Promise.all([settled(a), settled(b)]);
    const [created] = a.apply([{ type: "CreateTable", name: "users", x: 0, y: 0 }]);
    const tableId = created!.type === "CreateTable" ? created!.table_id! : "";
    await waitFor(() => b.table(tableId) !== undefined, "bob sees the table");

    link.cut();
    await waitFor(() => b.status.connection === "offline", "bob offline");
    b.apply({ type: "RenameTable", table_id: tableId, name: "accounts" });
    b.apply({ type: "CreateTable", name: "offline-table", x: 5, y: 5 });
    a.apply({ type: "MoveTable", table_id: tableId, x: 100, y: 100 });
    expect(b.status.unsyncedChanges).toBeGreaterThan(0);
    expect(b.status.closed?.final).not.toBe(true);

    link.restore();
    await Promise.all([settled(a), settled(b)]);
    await waitFor(() => tableNames(a).includes("offline-table"), "ada sees bob's offline edits");
    for (const client of [a, b]) expect(client.table(tableId)).toMatchObject({ name: "accounts", x: 100, y: 100 });
    const stored = await server.api.request("GET", `/api/diagrams/${owner.diagramId}/schema`, { token: owner.token });
    expect(stored.body.tables.map((t: { name: string }) => t.name).sort()).toEqual(["accounts", "offline-table"]);
  });

  // SPEC: CLIENT-4
  it("sees a share change as a live role and read-only change, and revocation as a final access-revoked", async () => {
    const { server, owner, bob } = await room();
    const b = clients.join(server.wsUrl, owner.roomId, { token: bob.token });
    const statuses: ClientStatus[] = [];
    b.on("status", (s) => statuses.push(s));
    await settled(b);
    await waitFor(() => b.status.role === "editor", "bob an editor");

    const share = (permission: "view" | "edit") =>
      server.api.request("PUT", `/api/diagrams/${owner.diagramId}/shares/${bob.userId}`, { token: owner.token, body: { permission } });
    await share("view");
    await waitFor(() => b.status.readOnly, "bob read-only");
    expect(b.status).toMatchObject({ role: "viewer", readOnly: true, connection: "synced" });
    await share("edit");
    await waitFor(() => !b.status.readOnly, "bob an editor again");
    expect(b.status.role).toBe("editor");

    await server.api.request("DELETE", `/api/diagrams/${owner.diagramId}/shares/${bob.userId}`, { token: owner.token });
    await waitFor(() => b.status.connection === "error", "bob refused");
    expect(b.status.closed).toEqual({ code: 4403, reason: "access-revoked", message: "access-revoked", final: true });
    // Final: no reconnect, so the reason stays what happened (not the permission-denied a new join gets).
    await sleep(300);
    expect(b.status.closed?.reason).toBe("access-revoked");
    const refusedAt = statuses.findIndex((s) => s.connection === "error");
    expect(statuses.slice(refusedAt).map((s) => s.connection)).toEqual(statuses.slice(refusedAt).map(() => "error"));
  });

  // SPEC: CLIENT-4
  it("reports an ended session as a final session-ended", async () => {
    const { server, owner } = await room();
    const a = clients.join(server.wsUrl, owner.roomId, { token: owner.token });
    await settled(a);
    await server.api.request("DELETE", `/api/liveshare/sessions/${owner.roomId}`, { token: owner.token });
    await waitFor(() => a.status.connection === "error", "the client told");
    expect(a.status.closed).toMatchObject({ code: 4410, reason: "session-ended", final: true });
  });

  // SPEC: CLIENT-4
  it("reports a deleted diagram as a final diagram-deleted", async () => {
    const { server, owner, bob } = await room();
    const b = clients.join(server.wsUrl, owner.roomId, { token: bob.token });
    await settled(b);
    await server.api.request("DELETE", `/api/diagrams/${owner.diagramId}`, { token: owner.token });
    await waitFor(() => b.status.connection === "error", "the client told");
    expect(b.status.closed).toMatchObject({ code: 4410, reason: "diagram-deleted", final: true });
  });

  // SPEC: CLIENT-6
  it("reconnects after a server restart and keeps edits made while the server was down", async () => {
    const first = await live.start();
    const owner = await first.api.room("ada");
    const a = clients.join(first.wsUrl, owner.roomId, { token: owner.token });
    await settled(a);
    a.apply({ type: "CreateTable", name: "before", x: 0, y: 0 });
    await settled(a);

    await first.liveshare.close();
    await waitFor(() => a.status.connection === "offline", "the client offline");
    expect(a.status.closed?.final).toBe(false);
    a.apply({ type: "CreateTable", name: "while-down", x: 1, y: 1 });

    const server = await live.start({ PORT: String(first.port) }, { db: first.db });
    await settled(a, 20_000);
    const stored = await server.api.request("GET", `/api/diagrams/${owner.diagramId}/schema`, { token: owner.token });
    expect(stored.body.tables.map((t: { name: string }) => t.name).sort()).toEqual(["before", "while-down"]);
    expect(a.status.closed).toBeUndefined();
  });

  describe("tokens", () => {
    const tokens = new Tokens(SECRET);

    /** A production-mode server (tokens minted with its secret, as the main application would) and a room of Ada's. */
    const productionRoom = async () => {
      const server = await live.start({ NODE_ENV: "production", AUTH_SECRET: SECRET });
      const ada = { userId: randomUUID(), name: "Ada" };
      const longLived = await tokens.issue(ada, 3600);
      const diagramId = await server.api.createDiagram(longLived);
      const roomId = await server.api.startSession(longLived, diagramId);
      const link = live.track(await openLink(server.port));
      return { ada, roomId, link };
    };

    // SPEC: CLIENT-5
    it("asks getToken again before the token expires and on reconnect, and keeps working across expiry", async () => {
      const { ada, roomId, link } = await productionRoom();

      let calls = 0;
      const issued: { at: number; exp: number }[] = [];
      const getToken = async () => {
        calls += 1;
        const token = await tokens.issue(ada, 2);
        issued.push({ at: Date.now(), exp: JSON.parse(atob(token.split(".")[1]!.replaceAll("-", "+").replaceAll("_", "/"))).exp * 1000 });
        return token;
      };
      const statuses: ClientStatus[] = [];
      const a = clients.join(link.wsUrl, roomId, { getToken });
      a.on("status", (s) => statuses.push(s));
      await settled(a);
      // Refreshed ahead of expiry, without any reconnect.
      await waitFor(() => issued.length >= 2, "a refresh before the first token expires");
      expect(issued[1]!.at).toBeLessThan(issued[0]!.exp);
      expect(statuses.some((s) => s.connection === "offline")).toBe(false);

      // Every token handed out so far has expired by now; the reconnect asks for a new one.
      await sleep(2_100);
      const before = calls;
      link.cut();
      await waitFor(() => a.status.connection === "offline", "offline");
      link.restore();
      await settled(a, 20_000);
      expect(calls).toBeGreaterThan(before);
      a.apply({ type: "CreateTable", name: "after-expiry", x: 0, y: 0 });
      await settled(a);
      expect(statuses.some((s) => s.closed?.reason === "token-expired")).toBe(false);
    });

    // SPEC: CLIENT-5
    it("with a fixed token that has expired, a reconnect ends in a final token-expired", async () => {
      const { ada, roomId, link } = await productionRoom();
      const a = clients.join(link.wsUrl, roomId, { token: await tokens.issue(ada, 1) });
      await settled(a);
      await sleep(1_100);
      link.cut();
      await waitFor(() => a.status.connection === "offline", "offline");
      link.restore();
      await waitFor(() => a.status.connection === "error", "refused");
      expect(a.status.closed).toEqual({ code: 4401, reason: "token-expired", message: "token-expired", final: true });
    });
  });
});
