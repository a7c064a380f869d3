import { Validator } from "@seriousme/openapi-schema-validator";
import { Ajv2020 } from "ajv/dist/2020.js";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/http/app.ts";
import { RoomControl } from "../../src/rooms/room-control.ts";
import { liveShareFixture } from "../helpers/fixture.ts";
import type { TestServer } from "../helpers/server.ts";

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, { operationId?: string; security?: unknown[]; responses: Record<string, unknown> }>>;
}

/** Every (method, path) the app routes, in OpenAPI's spelling; middleware (method ALL) is not a route. */
function servedRoutes(server: TestServer): string[] {
  const app = createApp(server.liveshare.core, new RoomControl(server.liveshare.core.rooms));
  const routes = new Set<string>();
  for (const route of app.routes) {
    if (route.method === "ALL") {
      // Only middleware and catch-alls may match every method, and only on wildcard paths.
      expect(route.path, `${route.method} ${route.path} is a route without a method: declare it with createRoute`).toMatch(/\*$/);
      continue;
    }
    routes.add(`${route.method.toLowerCase()} ${route.path.replace(/:([^/]+)/g, "{$1}")}`);
  }
  return [...routes].sort();
}

function documentedRoutes(doc: OpenApiDocument): string[] {
  return Object.entries(doc.paths)
    .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method} ${path}`))
    .sort();
}

describe("the OpenAPI document", () => {
  const live = liveShareFixture({ shared: true });
  const { server } = live;
  let doc: OpenApiDocument;
  beforeAll(async () => {
    const response = await fetch(`${server.httpUrl}/api/openapi.json`);
    expect(response.status).toBe(200);
    doc = (await response.json()) as OpenApiDocument;
  });

  // SPEC: REST-17
  it("is a valid OpenAPI 3.1 document", async () => {
    expect(doc.openapi).toBe("3.1.0");
    const result = await new Validator().validate(structuredClone(doc) as unknown as Parameters<Validator["validate"]>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  // SPEC: REST-17
  it("describes every route the app serves, and no route it does not", () => {
    expect(documentedRoutes(doc)).toEqual(servedRoutes(server));
  });

  it("describes the development token route in development mode, and every route in production mode too", async () => {
    expect(documentedRoutes(doc)).toContain("post /api/dev/token");
    const production = await live.start({ AUTH_SECRET: "a-secret-of-at-least-16-characters" });
    const prodDoc = (await (await fetch(`${production.httpUrl}/api/openapi.json`)).json()) as OpenApiDocument;
    expect(documentedRoutes(prodDoc)).not.toContain("post /api/dev/token");
    expect(documentedRoutes(prodDoc)).toEqual(servedRoutes(production));
  });

  it("names every operation with a unique operationId, for client generators", () => {
    const ids = Object.values(doc.paths).flatMap((operations) => Object.values(operations).map((o) => o.operationId));
    expect(ids.every((id) => typeof id === "string" && /^[a-z][A-Za-z]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("marks every /api route but the public ones as needing a bearer token", () => {
    const publicPaths = new Set(["/api/dev/token", "/api/openapi.json", "/api/protocol.schema.json", "/api/docs"]);
    for (const [path, operations] of Object.entries(doc.paths)) {
      if (!path.startsWith("/api/") || publicPaths.has(path) || path.startsWith("/api/docs/")) continue;
      for (const [method, operation] of Object.entries(operations)) expect(operation.security, `${method} ${path}`).toEqual([{ bearer: [] }]);
    }
  });

  it("documents the error body of every refusal as { error: { code, message } }", () => {
    const body = JSON.stringify(doc.paths["/api/diagrams/{id}"]?.patch?.responses["403"]);
    expect(body).toContain("#/components/schemas/Error");
  });
});

describe("the interactive docs", () => {
  const { server } = liveShareFixture({ shared: true });

  // SPEC: REST-17
  it("load every script and stylesheet from this server, none from the internet", async () => {
    const response = await fetch(`${server.httpUrl}/api/docs`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/html");
    const html = await response.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(2);
    for (const asset of assets) {
      expect(asset, "an asset on another host").toMatch(/^\/api\/docs\//);
      const served = await fetch(`${server.httpUrl}${asset}`);
      expect(served.status, asset).toBe(200);
      expect((await served.text()).length).toBeGreaterThan(1000);
    }
    expect(html).toContain("/api/openapi.json");
  });
});

describe("the JSON protocol's JSON Schema", () => {
  const { server } = liveShareFixture({ shared: true });
  let validate: (message: unknown) => boolean;
  beforeAll(async () => {
    const schema = (await (await fetch(`${server.httpUrl}/api/protocol.schema.json`)).json()) as Record<string, unknown>;
    validate = new Ajv2020({ strict: false }).compile(schema);
  });

  // SPEC: REST-17
  it("accepts the messages of the protocol, client's and server's", () => {
    const messages = [
      { type: "Auth", token: "t", room_id: "r" },
      { type: "GraphOp", op: { type: "CreateTable", name: "users", x: 0, y: 0 }, request_id: 1 },
      { type: "CursorMove", position: [1, 2] },
      { type: "AuthSuccess", user_id: "u", room_id: "r", protocol_version: 1, role: "viewer", read_only: true },
      { type: "GraphState", state: { tables: [], relationships: [] }, target_user_id: "u", full: true, deleted: [], version: 1 },
      { type: "Error", code: "read_only", message: "no" },
    ];
    for (const message of messages) expect(validate(message), JSON.stringify(message)).toBe(true);
  });

  it("rejects a GraphOp whose operation is not a GraphOperation, and unknown message types", () => {
    expect(validate({ type: "GraphOp", op: { type: "DropDatabase" } })).toBe(false);
    expect(validate({ type: "GraphOp", op: { type: "RenameTable", table_id: "t" } })).toBe(false);
    expect(validate({ type: "Hello" })).toBe(false);
  });
});
