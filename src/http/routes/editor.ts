import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Hono, type MiddlewareHandler } from "hono";
import { serveStatic } from "@hono/node-server/serve-static";

/** Where `npm run build:web` puts the editor (Vite's output for `web/`). */
export const EDITOR_DIST = fileURLToPath(new URL("../../../web/dist/", import.meta.url));

/**
 * The reference editor, built by Vite into `web/dist`: `/` and `/editor/*` answer with its
 * `index.html` (the app reads the path itself), `/assets/*` with its hashed files. Nothing here
 * touches `/api`, `/collab`, `/metrics` or the health checks.
 */
export function editorRoutes(dist: string = EDITOR_DIST) {
  const index = `${dist}index.html`;
  const page = serveStatic({
    path: index,
    onFound: (_path, c) => {
      // The page is small and names the hashed assets: always revalidate it, so a new build shows at once.
      c.header("Cache-Control", "no-cache");
      // An access token may arrive in the fragment (#token=…); no request this page makes may carry it onwards.
      c.header("Referrer-Policy", "no-referrer");
      c.header("X-Content-Type-Options", "nosniff");
      c.header(
        "Content-Security-Policy",
        "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'",
      );
    },
  });
  const servePage: MiddlewareHandler = async (c, next) => {
    if (existsSync(index)) return page(c, next);
    return c.text("The editor has not been built: run `npm run build:web` (npm install does it for you).\n", 503);
  };

  return new Hono()
    .get(
      "/assets/*",
      serveStatic({
        root: dist,
        onFound: (_path, c) => {
          // Vite names assets by content hash, so a given URL never changes.
          c.header("Cache-Control", "public, max-age=31536000, immutable");
          c.header("X-Content-Type-Options", "nosniff");
        },
      }),
    )
    .get("/", servePage)
    .get("/editor/*", servePage);
}
