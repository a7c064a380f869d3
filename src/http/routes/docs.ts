import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { SwaggerUI } from "@hono/swagger-ui";
import { createRoute, json, router, z } from "../openapi.ts";

const tags = ["Documentation"];
const ASSETS = "/api/docs/assets";
const require = createRequire(import.meta.url);
/** Swagger UI's files, served from node_modules so the docs page works with no internet access. */
const swaggerDist = require.resolve("swagger-ui-dist/package.json").replace(/package\.json$/, "");

const openapi = createRoute({
  operationId: "getOpenApiDocument",
  method: "get",
  path: "/openapi.json",
  tags,
  summary: "This document: the REST API as OpenAPI 3.1",
  responses: { 200: json(z.record(z.string(), z.unknown()), "OpenAPI 3.1 document") },
});
const protocol = createRoute({
  operationId: "getProtocolSchema",
  method: "get",
  path: "/protocol.schema.json",
  tags,
  summary: "The JSON WebSocket protocol (/api/liveshare/ws) as JSON Schema: every message and GraphOperation",
  responses: { 200: json(z.record(z.string(), z.unknown()), "JSON Schema (draft 2020-12)") },
});
const page = createRoute({
  operationId: "getDocsPage",
  method: "get",
  path: "/docs",
  tags,
  summary: "Interactive API documentation (Swagger UI)",
  responses: { 200: { description: "HTML page", content: { "text/html": { schema: z.string() } } } },
});
const asset = (file: string, type: string, operationId: string) =>
  createRoute({
    operationId,
    method: "get",
    path: `/docs/assets/swagger-ui-dist/${file}`,
    tags,
    summary: `Swagger UI's ${file} (from the swagger-ui-dist package)`,
    responses: { 200: { description: file, content: { [type]: { schema: z.string() } } } },
  });
const css = asset("swagger-ui.css", "text/css", "getDocsStylesheet");
const js = asset("swagger-ui-bundle.js", "text/javascript", "getDocsScript");

/** The machine-readable contract and its interactive docs; public, mounted under /api. */
export function docsRoutes(documents: { openapi: () => Record<string, unknown>; protocol: () => Record<string, unknown> }) {
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>LiveShare API</title></head>
<body>${SwaggerUI({ url: "/api/openapi.json", baseUrl: ASSETS, persistAuthorization: true })}</body></html>`;
  const file = (name: string) => readFile(`${swaggerDist}${name}`, "utf8");
  return router()
    .openapi(openapi, (c) => c.json(documents.openapi(), 200))
    .openapi(protocol, (c) => c.json(documents.protocol(), 200))
    .openapi(page, (c) => c.html(html, 200))
    .openapi(css, async (c) => c.text(await file("swagger-ui.css"), 200, { "content-type": "text/css; charset=utf-8", "cache-control": "public, max-age=86400" }))
    .openapi(js, async (c) => c.text(await file("swagger-ui-bundle.js"), 200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "public, max-age=86400" }));
}
