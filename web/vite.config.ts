import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { defineConfig, type Plugin } from "vite";
import react from "@vitejs/plugin-react";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * Brotli and gzip copies of the built assets beside them, compressed once at build time: the server
 * sends them to browsers that accept them (serveStatic's `precompressed`), at no CPU cost per request.
 */
function precompress(): Plugin {
  return {
    name: "liveshare-precompress",
    apply: "build",
    writeBundle({ dir }) {
      const assets = join(dir!, "assets");
      for (const file of readdirSync(assets)) {
        if (!/\.(js|css|svg|json)$/.test(file)) continue;
        const data = readFileSync(join(assets, file));
        writeFileSync(join(assets, `${file}.br`), brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 9 } }));
        writeFileSync(join(assets, `${file}.gz`), gzipSync(data, { level: 9 }));
      }
    },
  };
}

/**
 * The page's entry starts joining the room and then imports the rest of the editor (`app.tsx`): the
 * browser is told about that chunk and its styles in the page itself, so it fetches and compiles them
 * while the entry runs instead of after.
 */
function preloadApp(): Plugin {
  let base = "/";
  return {
    name: "liveshare-preload-app",
    apply: "build",
    configResolved(config) {
      base = config.base;
    },
    transformIndexHtml(_html, { chunk, bundle }) {
      if (!chunk || !bundle) return [];
      return chunk.dynamicImports
        .map((file) => bundle[file])
        .filter((c) => c?.type === "chunk" && c.facadeModuleId?.endsWith("/app.tsx"))
        .flatMap((c) => [
          { tag: "link", attrs: { rel: "modulepreload", crossorigin: true, href: `${base}${c!.fileName}` }, injectTo: "head" as const },
          ...[...((c as { viteMetadata?: { importedCss: Set<string> } }).viteMetadata?.importedCss ?? [])].map((css) => ({
            tag: "link",
            attrs: { rel: "stylesheet", crossorigin: true, href: `${base}${css}` },
            injectTo: "head" as const,
          })),
        ]);
    },
  };
}

/**
 * The reference editor. `npm run build:web` writes `web/dist`, which the server serves at `/`,
 * `/editor/*` and `/assets/*`. `npx vite web` serves it with hot reload against a server on :8080.
 */
export default defineConfig({
  root: here("."),
  plugins: [react(), precompress(), preloadApp()],
  resolve: {
    // The client library from source: the same code the server's tests run, no build order to mind.
    alias: { "liveshare/client": here("../src/client/index.ts") },
  },
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", chunkSizeWarningLimit: 1500 },
  server: {
    proxy: {
      "/api": "http://127.0.0.1:8080",
      "/collab": { target: "ws://127.0.0.1:8080", ws: true },
    },
  },
});
