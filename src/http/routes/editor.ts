import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { MiddlewareHandler } from "hono";
import { serveStatic } from "@hono/node-server/serve-static";

/** Where `npm run build:web` puts the editor (Vite's output for `web/`). */
export const EDITOR_DIST = fileURLToPath(new URL("../../../web/dist/", import.meta.url));

/** The editor's pages: the app reads the path itself (`/` the list, `/editor/{diagram_id}` the canvas). */
const PAGE = /^\/(?:editor\/[^/]+\/?)?$/;
const ASSET = /^\/assets\//;

/**
 * The reference editor, built by Vite into `web/dist`: GET `/` and `/editor/{diagram_id}` answer with
 * its `index.html`, `/assets/*` with its hashed files; every other request passes by untouched, so
 * `/api`, `/collab`, `/metrics` and the health checks are never shadowed. A middleware rather than
 * routes: the editor's pages are not part of the REST API or its OpenAPI document.
 */
export function serveEditor(dist: string = EDITOR_DIST): MiddlewareHandler {
  const index = `${dist}index.html`;
  // Headers go on before serving: serveStatic builds its response before calling onFound.
  const page = serveStatic({ path: index });
  const asset = serveStatic({ root: dist, precompressed: true });
  return async (c, next) => {
    if (c.req.method !== "GET" && c.req.method !== "HEAD") return next();
    const path = c.req.path;
    c.header("X-Content-Type-Options", "nosniff");
    if (ASSET.test(path)) {
      // Vite names assets by content hash, so a given URL never changes.
      c.header("Cache-Control", "public, max-age=31536000, immutable");
      return asset(c, next);
    }
    if (!PAGE.test(path)) return next();
    if (!existsSync(index)) return c.text("The editor has not been built: run `npm run build:web` (npm install does it for you).\n", 503);
    // The page is small and names the hashed assets: always revalidate it, so a new build shows at once.
    c.header("Cache-Control", "no-cache");
    // An access token may arrive in the fragment (#token=…); no request this page makes may carry it onwards.
    c.header("Referrer-Policy", "no-referrer");
    c.header(
      "Content-Security-Policy",
      "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'",
    );
    return page(c, next);
  };
}
