import path from "node:path";
import { parseArgs } from "node:util";
import type { RunOptions } from "./run-options.ts";
import type { Target } from "./targets.ts";
import { SCENARIOS } from "./scenarios.ts";
import { REPO_ROOT } from "./servers.ts";
import { TARGET_ORDER } from "./targets.ts";

/** The command line: a run's options for each scenario and target, and what the CLI does around the runs. */
export interface CliOptions extends Omit<RunOptions, "users" | "rooms" | "log"> {
  scenarios: Array<{ name: string; users: number; rooms: number }>;
  targets: Target[];
  /** Wait up to this long before each run for other work on the machine to stop. */
  waitQuietS: number;
  jsonOut: string | undefined;
  /** Where each scenario's latency chart is written; undefined: none. */
  chartsDir: string | undefined;
}

export const USAGE = `Usage: npm run loadtest -- (--scenario NAME[,NAME…] | --users N --rooms R) [options]

Scenarios (users/rooms): ${Object.keys(SCENARIOS).join(", ")}

  --duration S           measurement window in seconds (default 20)
  --grace S              extra seconds for late edits to arrive (default 3)
  --target T[,T…]        liveshare | baseline | hocuspocus | floor | sink | both (default both =
                         hocuspocus,liveshare; references run first). floor: a minimal y-protocols
                         relay (floor-relay.ts), the least any server must do for this traffic;
                         sink: the same relay forwarding nothing, the generator's own cost;
                         baseline: LiveShare from --baseline-entry (before/after in one run)
  --url URL              an already running LiveShare (http://host:port) instead of starting one
  --json-clients K       K users (spread over rooms) speak the JSON protocol (LiveShare only)
  --json FILE            also write the results as JSON
  --charts DIR           where each scenario's latency CDF chart (SVG) goes (default bench-results/);
                         --charts none writes none
  --profile              CPU-profile the servers (--cpu-prof into .profiles/) and print the hot spots
  --workers N            generator worker threads (default 2)
  --cursor-hz N          cursor moves per user per second (default 30)
  --edit-hz N            edits per user per second (default 1)
  --database-url URL     PostgreSQL server for LiveShare's per-run database
                         (default $LOADTEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/test)
  --server-env K=V       extra environment for the LiveShare server (repeatable)
  --wait-quiet S         before each run, wait up to S seconds for other work on the machine to stop
  --liveshare-entry FILE LiveShare entry point to start (default src/server.ts), e.g. another checkout
  --baseline-entry FILE  the baseline target's entry point: another checkout's src/server.ts
  --server-node-arg ARG  extra Node.js flag for the LiveShare server (repeatable), e.g.
                         --server-node-arg=--heapsnapshot-signal=SIGUSR2
  --connect-concurrency N  users connecting at once per worker (default 20)
  --connect-timeout S    per-user set-up timeout (default 20)
  --generator-nice N     run the generator's workers at niceness N (default 0): the server then
                         gets the CPU it asks for, and its CPU figure is its demand at full service
  --setup-timeout S      whole set-up timeout (default 180)`;

/** A command-line problem, reported with the usage text. */
export class UsageError extends Error {
  override name = "UsageError";
}

export function parseOptions(argv: string[]): CliOptions | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        scenario: { type: "string" },
        users: { type: "string" },
        rooms: { type: "string" },
        duration: { type: "string", default: "20" },
        grace: { type: "string", default: "3" },
        target: { type: "string", default: "both" },
        url: { type: "string" },
        "json-clients": { type: "string", default: "0" },
        json: { type: "string" },
        charts: { type: "string" },
        profile: { type: "boolean", default: false },
        "profile-dir": { type: "string", default: path.join(REPO_ROOT, ".profiles") },
        workers: { type: "string", default: "2" },
        "cursor-hz": { type: "string", default: "30" },
        "generator-nice": { type: "string", default: "0" },
        "edit-hz": { type: "string", default: "1" },
        "database-url": { type: "string" },
        "server-env": { type: "string", multiple: true, default: [] },
        "liveshare-entry": { type: "string" },
        "baseline-entry": { type: "string" },
        "server-node-arg": { type: "string", multiple: true, default: [] },
        "wait-quiet": { type: "string", default: "0" },
        "connect-concurrency": { type: "string", default: "20" },
        "connect-timeout": { type: "string", default: "20" },
        "setup-timeout": { type: "string", default: "180" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const v = parsed.values;
  if (v.help) return "help";

  const number = (name: string, raw: string | undefined, min: number, max: number, integer = true): number => {
    const value = Number(raw);
    if (raw === undefined || raw.trim() === "" || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
      throw new UsageError(`--${name} must be ${integer ? "an integer" : "a number"} from ${min} to ${max} (got ${JSON.stringify(raw ?? "")})`);
    }
    return value;
  };

  let scenarios: CliOptions["scenarios"];
  if (v.scenario !== undefined) {
    if (v.users !== undefined || v.rooms !== undefined) throw new UsageError("give either --scenario or --users/--rooms, not both");
    scenarios = v.scenario.split(",").map((name) => {
      const scenario = SCENARIOS[name.trim()];
      if (!scenario) throw new UsageError(`unknown scenario "${name}"; known: ${Object.keys(SCENARIOS).join(", ")}`);
      return { name: name.trim(), ...scenario };
    });
  } else if (v.users !== undefined && v.rooms !== undefined) {
    const users = number("users", v.users, 1, 100_000);
    const rooms = number("rooms", v.rooms, 1, users);
    scenarios = [{ name: `${users}/${rooms}`, users, rooms }];
  } else {
    throw new UsageError("give --scenario NAME or both --users N and --rooms R");
  }

  const known = TARGET_ORDER;
  const named = v.target.split(",").flatMap((t) => (t.trim() === "both" ? ["hocuspocus", "liveshare"] : [t.trim()]));
  const bad = named.find((t) => !known.includes(t as Target));
  if (bad !== undefined) throw new UsageError(`--target must be liveshare, baseline, hocuspocus, floor, sink or both, comma-separated (got "${bad}")`);
  if (named.includes("baseline") && v["baseline-entry"] === undefined) throw new UsageError("--target baseline needs --baseline-entry FILE (another checkout's src/server.ts)");
  // One run each, in a fixed order: the references first.
  const targets = known.filter((t) => named.includes(t));

  if (v.url !== undefined && !/^https?:\/\/[^/]+\/?$/.test(v.url)) throw new UsageError(`--url must look like http://host:port (got "${v.url}")`);

  const serverEnv: Record<string, string> = {};
  for (const pair of v["server-env"] ?? []) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(pair);
    if (!match) throw new UsageError(`--server-env must look like NAME=value (got "${pair}")`);
    serverEnv[match[1]!] = match[2]!;
  }

  const adminDatabaseUrl = v["database-url"] ?? process.env.LOADTEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
  if (!/^postgres(ql)?:\/\//.test(adminDatabaseUrl)) throw new UsageError(`--database-url must start with postgres:// (got "${adminDatabaseUrl}")`);

  const maxUsers = Math.max(...scenarios.map((s) => s.users));
  return {
    scenarios,
    targets,
    durationS: number("duration", v.duration, 1, 3600, false),
    graceS: number("grace", v.grace, 0, 600, false),
    workers: number("workers", v.workers, 1, 64),
    cursorHz: number("cursor-hz", v["cursor-hz"], 0, 1000, false),
    editHz: number("edit-hz", v["edit-hz"], 0, 100, false),
    jsonClients: number("json-clients", v["json-clients"], 0, maxUsers),
    connectConcurrency: number("connect-concurrency", v["connect-concurrency"], 1, 10_000),
    connectTimeoutS: number("connect-timeout", v["connect-timeout"], 1, 3600, false),
    setupTimeoutS: number("setup-timeout", v["setup-timeout"], 1, 36_000, false),
    generatorNice: number("generator-nice", v["generator-nice"], 0, 19),
    url: v.url?.replace(/\/$/, ""),
    adminDatabaseUrl,
    profileDir: v.profile ? path.resolve(v["profile-dir"] ?? ".profiles") : undefined,
    serverEnv,
    liveshareEntry: v["liveshare-entry"],
    baselineEntry: v["baseline-entry"] === undefined ? undefined : path.resolve(v["baseline-entry"]),
    serverNodeArgs: (v["server-node-arg"] ?? []).map((arg) => {
      if (!arg.startsWith("--")) throw new UsageError(`--server-node-arg takes a Node.js flag such as --max-old-space-size=256 (got "${arg}")`);
      return arg;
    }),
    waitQuietS: number("wait-quiet", v["wait-quiet"], 0, 36_000, false),
    jsonOut: v.json,
    chartsDir: v.charts === "none" ? undefined : path.resolve(v.charts ?? "bench-results"),
  };
}
