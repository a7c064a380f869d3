/**
 * The size of `liveshare/client` in a browser bundle: the built client (dist/client, `npm run
 * build:client` first) bundled by esbuild for the browser, minified, then gzipped (level 9) — with
 * every dependency, and with `yjs` left to the application (which usually bundles it anyway).
 * Also lists the largest inputs of the full bundle. Prints a Markdown table.
 */
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = fileURLToPath(new URL("../..", import.meta.url));
const entry = `${root}/dist/client/index.js`;

interface Size {
  label: string;
  minified: number;
  gzip: number;
  metafile: esbuild.Metafile;
}

async function measure(label: string, external: string[]): Promise<Size> {
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    external,
    write: false,
    metafile: true,
    logLevel: "error",
  });
  const code = result.outputFiles[0]!.contents;
  return { label, minified: code.length, gzip: gzipSync(code, { level: 9 }).length, metafile: result.metafile };
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

const sizes = [
  await measure("everything (yjs, @hocuspocus/provider, zod, lib0, y-indexeddb …)", []),
  await measure("without yjs (`yjs` external)", ["yjs"]),
  await measure("without the Yjs family (`yjs`, `lib0`, `y-protocols` external)", ["yjs", "lib0", "lib0/*", "y-protocols", "y-protocols/*"]),
];

console.log("| bundle | minified | minified + gzip |");
console.log("|---|---:|---:|");
for (const s of sizes) console.log(`| ${s.label} | ${kib(s.minified)} | ${kib(s.gzip)} |`);

// Which packages the full bundle's minified bytes come from (esbuild's per-input output bytes).
const byPackage = new Map<string, number>();
const output = Object.values(sizes[0]!.metafile.outputs)[0]!;
for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  const name = match ? match[1]! : path.startsWith("dist/client") ? "liveshare client (dist/client)" : "liveshare schema-doc & shared (dist/…)";
  byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
}
console.log("\n| part of the full bundle | minified |");
console.log("|---|---:|");
for (const [name, bytes] of [...byPackage].sort((a, b) => b[1] - a[1])) console.log(`| ${name} | ${kib(bytes)} |`);
