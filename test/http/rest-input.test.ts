import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { liveShareFixture } from "../helpers/fixture.ts";
import type { TestServer } from "../helpers/server.ts";
import { storedState } from "../helpers/documents.ts";
import { sharedDiagram } from "../helpers/users.ts";
import { send as sendRaw } from "../helpers/http.ts";

const send = (server: TestServer, options: Parameters<typeof sendRaw>[1]) => sendRaw(server.httpUrl, options);

describe("REST input", () => {
  const { server, who } = liveShareFixture({ shared: true, users: "rest" });
  let diagramId: string;
  let before: string;

  beforeAll(async () => {
    ({ diagramId } = await sharedDiagram(server, who));
    before = await storedState(server.db, diagramId);
  });
  afterAll(async () => {
    // Nothing below may have touched the diagram.
    expect(await storedState(server.db, diagramId)).toBe(before);
  });

  const json = (token?: string) => ({ "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) });

  const bad: { name: string; method: string; path: () => string; body?: () => string | Buffer; status: number; code: string }[] = [
    { name: "a body that is not JSON", method: "POST", path: () => "/api/diagrams", body: () => "{name:", status: 400, code: "invalid_json" },
    { name: "an empty body", method: "POST", path: () => "/api/diagrams", body: () => "", status: 400, code: "invalid_json" },
    { name: "a body that is not UTF-8", method: "POST", path: () => "/api/diagrams", body: () => Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]), status: 400, code: "invalid_json" },
    { name: "an unknown field", method: "POST", path: () => "/api/diagrams", body: () => '{"name":"x","owner_id":"someone"}', status: 400, code: "validation_failed" },
    { name: "a __proto__ key", method: "POST", path: () => "/api/diagrams", body: () => '{"name":"x","__proto__":{"admin":true}}', status: 400, code: "validation_failed" },
    { name: "a name of the wrong type", method: "POST", path: () => "/api/diagrams", body: () => '{"name":42}', status: 400, code: "validation_failed" },
    { name: "an empty name", method: "POST", path: () => "/api/diagrams", body: () => '{"name":"   "}', status: 400, code: "validation_failed" },
    { name: "a name with a NUL character (PostgreSQL text cannot hold one)", method: "POST", path: () => "/api/diagrams", body: () => '{"name":"a\\u0000b"}', status: 400, code: "validation_failed" },
    { name: "a dev username with a NUL character", method: "POST", path: () => "/api/dev/token", body: () => '{"username":"a\\u0000b"}', status: 400, code: "validation_failed" },
    { name: "a JSON array", method: "POST", path: () => "/api/diagrams", body: () => "[]", status: 400, code: "validation_failed" },
    { name: "an unknown permission", method: "PUT", path: () => `/api/diagrams/${diagramId}/shares/${who.stranger.userId}`, body: () => '{"permission":"admin"}', status: 400, code: "validation_failed" },
    { name: "a diagram id that is not a UUID", method: "GET", path: () => "/api/diagrams/1%20OR%201=1", status: 400, code: "invalid_id" },
    { name: "a share user id that is not a UUID", method: "DELETE", path: () => `/api/diagrams/${diagramId}/shares/admin`, status: 400, code: "invalid_id" },
    { name: "a room id that is not a UUID", method: "GET", path: () => "/api/liveshare/sessions/..%2F..%2Fetc", status: 400, code: "invalid_id" },
    { name: "a session for a diagram id that is not a UUID", method: "POST", path: () => "/api/liveshare/sessions", body: () => '{"diagram_id":"abc"}', status: 400, code: "validation_failed" },
    { name: "an unknown diagram", method: "GET", path: () => `/api/diagrams/${crypto.randomUUID()}`, status: 404, code: "not_found" },
    { name: "an unknown session", method: "DELETE", path: () => `/api/liveshare/sessions/${crypto.randomUUID()}`, status: 404, code: "not_found" },
    { name: "an unknown route", method: "POST", path: () => `/api/diagrams/${diagramId}`, status: 404, code: "not_found" },
    { name: "a path outside the API", method: "GET", path: () => "/../../etc/passwd", status: 404, code: "not_found" },
  ];

  for (const c of bad) {
    // SPEC: REST-1, REST-2
    it(`answers ${c.name} with ${c.status} ${c.code}`, async () => {
      const body = c.body?.();
      const response = await send(server, {
        method: c.method,
        path: c.path(),
        headers: json(who.owner.token),
        ...(body !== undefined ? { chunks: [body] } : {}),
      });
      expect(response.status).toBe(c.status);
      expect(response.body.error.code).toBe(c.code);
      expect(typeof response.body.error.message).toBe("string");
    });
  }

  it("answers a body sent as a form (curl -d without a content type) with 415 unsupported_media_type", async () => {
    const response = await send(server, {
      method: "POST",
      path: "/api/diagrams",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Bearer ${who.owner.token}` },
      chunks: ['{"name":"x"}'],
    });
    expect(response.status).toBe(415);
    expect(response.body.error.code).toBe("unsupported_media_type");
  });

  // SPEC: LIM-7
  it("refuses a declared body over 1 MiB with 413 before reading it", async () => {
    const response = await send(server, {
      method: "POST",
      path: "/api/diagrams",
      headers: { ...json(who.owner.token), "content-length": String(2 * 1024 * 1024) },
      chunks: ["{"],
    });
    expect(response.status).toBe(413);
    expect(response.body.error.code).toBe("payload_too_large");
  });

  // SPEC: LIM-7
  it("closes the connection after a 413, so a keep-alive client's next request is answered", async () => {
    const refused = await send(server, {
      method: "POST",
      path: "/api/diagrams",
      headers: { ...json(who.owner.token), "content-length": String(2 * 1024 * 1024) },
      chunks: ['{"name":"never sent in full'],
    });
    expect(refused.status).toBe(413);
    const next = await send(server, { method: "GET", path: `/api/diagrams/${diagramId}`, headers: json(who.owner.token) });
    expect(next.status).toBe(200);
  });

  // SPEC: LIM-7
  it("refuses a chunked body that grows past 1 MiB with 413", async () => {
    const chunk = "x".repeat(64 * 1024);
    const response = await send(server, {
      method: "POST",
      path: "/api/diagrams",
      headers: { ...json(who.owner.token), "transfer-encoding": "chunked" },
      chunks: ['{"name":"', ...Array.from({ length: 20 }, () => chunk), '"}'],
    });
    expect(response.status).toBe(413);
  });

  it("accepts a chunked body under the limit", async () => {
    const response = await send(server, {
      method: "POST",
      path: "/api/diagrams",
      headers: { ...json(who.owner.token), "transfer-encoding": "chunked" },
      chunks: ['{"na', 'me":"chun', 'ked"}'],
    });
    expect(response.status).toBe(201);
    expect(response.body.name).toBe("chunked");
  });

  // SPEC: REST-2
  it("stores SQL-looking input verbatim (every query is parameterised)", async () => {
    const name = "x'); DROP TABLE diagrams; --";
    const created = await server.api.request("POST", "/api/diagrams", { token: who.stranger.token, body: { name } });
    expect(created.status).toBe(201);
    const read = await server.api.request("GET", `/api/diagrams/${created.body.id}`, { token: who.stranger.token });
    expect(read.body.name).toBe(name);
    expect((await server.api.request("GET", `/api/diagrams/${diagramId}`, { token: who.owner.token })).status).toBe(200);
  });
});
