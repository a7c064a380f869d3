/**
 * `npm run loadtest -- --scenario 100/10` — real Yjs clients against LiveShare and bare Hocuspocus,
 * side by side. See `options.ts` for every flag.
 */
import { writeFileSync } from "node:fs";
import { writeCharts } from "./chart.ts";
import { runLoadtest } from "./loadtest.ts";
import { parseOptions, USAGE, UsageError } from "./options.ts";
import { formatScenario, toJson } from "./report.ts";
import { stopAllServers } from "./servers.ts";

async function main(): Promise<number> {
  let options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`loadtest: ${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw error;
  }
  if (options === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  // Bounded in time whatever happens: set-up, window, grace, shutdown, per run, plus slack.
  const perRun = options.setupTimeoutS + options.durationS + options.graceS + options.waitQuietS + 120;
  const budgetS = perRun * options.scenarios.length * options.targets.length;
  const watchdog = setTimeout(() => {
    process.stderr.write(`loadtest: still running after ${budgetS} s; giving up (child servers are killed on exit)\n`);
    process.exit(3);
  }, budgetS * 1000);
  watchdog.unref();

  const log = (line: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
  const report = await runLoadtest(options, log, (scenario) => process.stdout.write(`\n${formatScenario(scenario)}\n`));
  process.stdout.write(`\nmachine: ${report.machine.cpus} × ${report.machine.model}, ${report.machine.memoryGB} GB, Node ${report.machine.node}; ${report.date}\n`);
  if (options.chartsDir) {
    for (const file of await writeCharts(report.scenarios, options.chartsDir)) process.stdout.write(`latency chart written to ${file}\n`);
  }
  if (options.jsonOut) {
    writeFileSync(options.jsonOut, `${toJson(report)}\n`);
    process.stdout.write(`results written to ${options.jsonOut}\n`);
  }
  return 0;
}

// Interrupted: stop the servers (dropping LiveShare's database) before exiting; the exit hook
// SIGKILLs whatever is still running after that.
const interrupt = (code: number) => () => void stopAllServers().finally(() => process.exit(code));
process.once("SIGINT", interrupt(130));
process.once("SIGTERM", interrupt(143));

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`loadtest: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
