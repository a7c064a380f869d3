import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * The reference editor. `npm run build:web` writes `web/dist`, which the server serves at `/`,
 * `/editor/*` and `/assets/*`. `npx vite web` serves it with hot reload against a server on :8080.
 */
export default defineConfig({
  root: here("."),
  plugins: [react()],
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
