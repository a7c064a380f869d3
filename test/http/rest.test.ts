import { beforeAll, describe, expect, it } from "vitest";
import { liveShareFixture } from "../helpers/fixture.ts";
import type { TestServer } from "../helpers/server.ts";

describe("REST API", () => {
  const { server } = liveShareFixture({ shared: true });
  let owner: Awaited<ReturnType<TestServer["api"]["room"]>>;
  beforeAll(async () => {
    owner = await server.api.room("rest-owner");
  });

  const req = (method: string, path: string, options: { body?: unknown; rawBody?: string; token?: string | null } = {}) =>
    server.api.request(method, path, {
      ...(options.token === null ? {} : { token: options.token ?? owner.token }),
      ...(options.body !== undefined ? { body: options.body } : {}),
      ...(options.rawBody !== undefined ? { rawBody: options.rawBody } : {}),
    });

  // SPEC: AUTH-4
  it("gives the same user id to the same username, and a different one to another", async () => {
    const a = await server.api.login("alice");
    const again = await server.api.login("alice");
    const b = await server.api.login("bob");
    expect(again.userId).toBe(a.userId);
    expect(b.userId).not.toBe(a.userId);
  });

  // SPEC: REST-3, REST-5
  it("creates a diagram, returns the active session instead of a second one, and a share link", async () => {
    const created = await req("POST", "/api/liveshare/sessions", { body: { diagram_id: owner.diagramId } });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      room_id: owner.roomId,
      diagram_id: owner.diagramId,
      created: false,
      share_link: `/editor/${owner.diagramId}?room=${owner.roomId}`,
    });
    const info = await req("GET", `/api/liveshare/sessions/${owner.roomId}`);
    expect(info.status).toBe(200);
    expect(info.body).toMatchObject({ room_id: owner.roomId, active: true, user_count: 0, users: [] });
  });

  const badRequests: Array<[string, string, string, { body?: unknown; rawBody?: string; token?: string | null }, number, string]> = [
    ["dev token without a username", "POST", "/api/dev/token", { body: {}, token: null }, 400, "validation_failed"],
    ["dev token with an empty username", "POST", "/api/dev/token", { body: { username: "  " }, token: null }, 400, "validation_failed"],
    ["a body that is not JSON", "POST", "/api/diagrams", { rawBody: "{nope" }, 400, "invalid_json"],
    ["a diagram without a name", "POST", "/api/diagrams", { body: {} }, 400, "validation_failed"],
    ["a diagram with unknown fields", "POST", "/api/diagrams", { body: { name: "x", owner_id: "someone" } }, 400, "validation_failed"],
    ["a diagram name that is too long", "POST", "/api/diagrams", { body: { name: "x".repeat(300) } }, 400, "validation_failed"],
    ["no token", "POST", "/api/diagrams", { body: { name: "x" }, token: null }, 401, "unauthorized"],
    ["a garbage token", "POST", "/api/diagrams", { body: { name: "x" }, token: "garbage" }, 401, "unauthorized"],
    ["a diagram id that is not a UUID", "GET", "/api/diagrams/not-a-uuid", {}, 400, "invalid_id"],
    ["an unknown diagram", "GET", "/api/diagrams/00000000-0000-4000-8000-000000000000", {}, 404, "not_found"],
    ["the schema of an unknown diagram", "GET", "/api/diagrams/00000000-0000-4000-8000-000000000000/schema", {}, 404, "not_found"],
    ["a session for a diagram id that is not a UUID", "POST", "/api/liveshare/sessions", { body: { diagram_id: "x" } }, 400, "validation_failed"],
    ["a session for an unknown diagram", "POST", "/api/liveshare/sessions", { body: { diagram_id: "00000000-0000-4000-8000-000000000000" } }, 404, "not_found"],
    ["an unknown session", "GET", "/api/liveshare/sessions/00000000-0000-4000-8000-000000000000", {}, 404, "not_found"],
    ["a share with a bad permission", "PUT", "/api/diagrams/{diagram}/shares/00000000-0000-4000-8000-000000000001", { body: { permission: "admin" } }, 400, "validation_failed"],
    ["a share for a user id that is not a UUID", "PUT", "/api/diagrams/{diagram}/shares/bob", { body: { permission: "view" } }, 400, "invalid_id"],
    ["removing a share that does not exist", "DELETE", "/api/diagrams/{diagram}/shares/00000000-0000-4000-8000-000000000001", {}, 404, "not_found"],
    ["an unknown route", "GET", "/api/nothing-here", {}, 404, "not_found"],
    ["a body over the size limit", "POST", "/api/diagrams", { rawBody: JSON.stringify({ name: "x".repeat(2 * 1024 * 1024) }) }, 413, "payload_too_large"],
  ];

  // SPEC: REST-1, REST-2, LIM-7
  it.each(badRequests)("answers %s with a clear JSON error and changes nothing", async (_name, method, path, options, status, code) => {
    const before = await server.db.query("SELECT (SELECT count(*) FROM diagrams) AS d, (SELECT count(*) FROM diagram_shares) AS s, (SELECT count(*) FROM liveshare_sessions) AS l");
    const response = await req(method, path.replace("{diagram}", owner.diagramId), options);
    expect(response.status).toBe(status);
    expect(response.body.error.code).toBe(code);
    expect(typeof response.body.error.message).toBe("string");
    const after = await server.db.query("SELECT (SELECT count(*) FROM diagrams) AS d, (SELECT count(*) FROM diagram_shares) AS s, (SELECT count(*) FROM liveshare_sessions) AS l");
    expect(after).toEqual(before);
  });

  // SPEC: REST-7
  it("ends a session once: the second DELETE is a conflict, and a new session continues the same diagram", async () => {
    const { token, diagramId, roomId } = await server.api.room("ender");
    expect((await req("DELETE", `/api/liveshare/sessions/${roomId}`, { token })).status).toBe(204);
    const again = await req("DELETE", `/api/liveshare/sessions/${roomId}`, { token });
    expect(again.status).toBe(409);
    expect((await req("GET", `/api/liveshare/sessions/${roomId}`, { token })).body).toMatchObject({ active: false });
    const next = await req("POST", "/api/liveshare/sessions", { token, body: { diagram_id: diagramId } });
    expect(next.status).toBe(201);
    expect(next.body.room_id).not.toBe(roomId);
  });

  // SPEC: AUTH-2, REST-11
  it("serves health, readiness and metrics without a token", async () => {
    expect((await req("GET", "/healthz", { token: null })).status).toBe(200);
    expect((await req("GET", "/readyz", { token: null })).body).toMatchObject({ status: "ready", checks: { database: true } });
    const metrics = await fetch(`${server.httpUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain("liveshare_active_sessions_total");
  });
});

describe("tokens minted by the main application", () => {
  const live = liveShareFixture();

  // SPEC: AUTH-1
  it("treat an upper-case user id as the same user (regression: owners were refused their own diagram)", async () => {
    const { Tokens } = await import("../../src/auth/tokens.ts");
    const server = await live.start({ AUTH_SECRET: "a-shared-secret-of-the-main-app" });
    const tokens = new Tokens("a-shared-secret-of-the-main-app");
    const upper = await tokens.issue({ userId: "3F2A0D6E-1B2C-4D5E-8F90-ABCDEF012345", name: "Ada" });
    const created = await server.api.request("POST", "/api/diagrams", { token: upper, body: { name: "mine" } });
    expect(created.status).toBe(201);
    expect(created.body.owner_id).toBe("3f2a0d6e-1b2c-4d5e-8f90-abcdef012345");
    const read = await server.api.request("GET", `/api/diagrams/${created.body.id}`, { token: upper });
    expect(read.status).toBe(200);
    expect(read.body.role).toBe("owner");
  });
});
