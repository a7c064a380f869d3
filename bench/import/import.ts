/**
 * `npm run bench:import`: parse and apply times of a 500-table PostgreSQL DDL file (tests' generator,
 * `test/schema-io/large-ddl.ts`), in process and through the REST endpoint of a real server with a
 * connected provider (embedded PGlite, so it runs anywhere). Prints a Markdown table.
 */
import * as Y from "yjs";
import { tablesOf } from "../../src/schema-doc/index.ts";
import { replaceElements } from "../../src/schema-doc/index.ts";
import { planImport } from "../../src/schema-io/merge-plan.ts";
import { parseSchema } from "../../src/schema-io/parse/index.ts";
import { newProvider, synced } from "../../test/helpers/provider.ts";
import { newLiveShare } from "../../test/helpers/server.ts";
import { waitFor } from "../../test/helpers/wait.ts";
import { largeDdl } from "../../test/schema-io/large-ddl.ts";

const TABLES = 500;
const RUNS = 3;
const source = largeDdl(TABLES);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const ms = (value: number) => `${Math.round(value)} ms`;

const parse: number[] = [];
const plan: number[] = [];
const apply: number[] = [];
let updateBytes = 0;
let relationships = 0;
for (let run = 0; run < RUNS; run++) {
  let started = performance.now();
  const parsed = await parseSchema("postgres", source);
  parse.push(performance.now() - started);
  started = performance.now();
  const { target } = planImport({ tables: [], relationships: [] }, parsed, "merge");
  plan.push(performance.now() - started);
  relationships = target.relationships.length;
  const doc = new Y.Doc();
  let update = 0;
  doc.on("update", (u: Uint8Array) => (update += u.length));
  started = performance.now();
  doc.transact(() => replaceElements(doc, target));
  apply.push(performance.now() - started);
  updateBytes = update;
  doc.destroy();
}

const server = await newLiveShare({}, { backend: "pglite" });
const endToEnd: number[] = [];
try {
  for (let run = 0; run < RUNS; run++) {
    const { token, diagramId, roomId } = await server.api.room(`bench-${run}`);
    const client = newProvider(server.wsUrl, roomId, token);
    await synced(client);
    const started = performance.now();
    const { status } = await server.api.request("POST", `/api/diagrams/${diagramId}/import`, { token, body: { format: "postgres", source, mode: "merge" } });
    if (status !== 200) throw new Error(`import answered ${status}`);
    const answered = performance.now() - started;
    await waitFor(() => tablesOf(client.doc).size === TABLES, "the import to reach the client", 60_000);
    endToEnd.push(answered);
    client.destroy();
  }
} finally {
  await server.close();
}

console.log(`500-table PostgreSQL DDL: ${(source.length / 1024).toFixed(1)} KiB, ${TABLES} tables, ${relationships} foreign keys; median of ${RUNS} runs\n`);
console.log("| step | median | min | max |");
console.log("|---|---|---|---|");
for (const [name, values] of [
  ["parse (`@dbml/core` PostgreSQL parser + statement sorting)", parse],
  ["plan (match by name, ids, layout)", plan],
  ["apply (one Y.Doc transaction)", apply],
  ["REST import, request to answer (durable), PGlite, one client connected", endToEnd],
] as const) {
  console.log(`| ${name} | ${ms(median(values))} | ${ms(Math.min(...values))} | ${ms(Math.max(...values))} |`);
}
console.log(`\nThe change every client receives: one update of ${(updateBytes / 1024).toFixed(1)} KiB.`);
