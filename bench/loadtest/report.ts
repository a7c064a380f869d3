import type { TargetResult } from "./result.ts";
import type { Target } from "./targets.ts";
import { formatProfile } from "./profile.ts";
import { TARGET_HEADER, TARGET_ORDER } from "./targets.ts";

export interface ScenarioReport {
  scenario: string;
  users: number;
  rooms: number;
  results: Partial<Record<Target, TargetResult>>;
  failures: Partial<Record<Target, string>>;
  /** LiveShare's figure divided by bare Hocuspocus's, where both exist. */
  ratios: Record<string, number>;
  /** LiveShare's figure divided by the floor relay's, where both exist. */
  floorRatios: Record<string, number>;
  /** The targets for this scenario, each with whether LiveShare met it (undefined: not measured). */
  checks: Array<{ target: string; met: boolean | undefined }>;
}

interface Row {
  label: string;
  pick: (r: TargetResult) => number | undefined;
  digits: number;
  /** Key in `ratios` when the ratio LiveShare / bare means something. */
  ratio?: string;
}


const ROWS: Row[] = [
  { label: "users synced", pick: (r) => r.setup.ready, digits: 0 },
  { label: "set-up: connect + sync (s)", pick: (r) => r.setup.connectMs / 1000, digits: 1 },
  { label: "edits sent", pick: (r) => r.edits.sent, digits: 0 },
  { label: "edits/s", pick: (r) => r.edits.perSecond, digits: 1 },
  { label: "(edit, receiver) pairs", pick: (r) => r.edits.pairs, digits: 0 },
  { label: "delivered %", pick: (r) => r.edits.deliveredPercent, digits: 2 },
  { label: "edit latency p50 (ms)", pick: (r) => r.edits.latencyMs.p50, digits: 1, ratio: "latencyP50" },
  { label: "edit latency p95 (ms)", pick: (r) => r.edits.latencyMs.p95, digits: 1, ratio: "latencyP95" },
  { label: "edit latency p99 (ms)", pick: (r) => r.edits.latencyMs.p99, digits: 1, ratio: "latencyP99" },
  { label: "edit latency max (ms)", pick: (r) => r.edits.latencyMs.max, digits: 1 },
  { label: "ack latency p50 (ms)", pick: (r) => r.edits.ackMs.p50, digits: 1, ratio: "ackP50" },
  { label: "ack latency p99 (ms)", pick: (r) => r.edits.ackMs.p99, digits: 1, ratio: "ackP99" },
  { label: "unacknowledged edits", pick: (r) => r.edits.unacked, digits: 0 },
  { label: "messages/s sent by clients", pick: (r) => r.messages.sentPerSecond, digits: 0 },
  { label: "cursor moves sent, % of target rate", pick: (r) => r.presence.sentPercentOfTarget, digits: 1 },
  { label: "messages/s received by clients", pick: (r) => r.messages.receivedPerSecond, digits: 0, ratio: "messagesReceived" },
  { label: "KB/s received by clients", pick: (r) => r.messages.bytesReceivedPerSecond / 1024, digits: 1, ratio: "bytesReceived" },
  { label: "presence msgs/s per client", pick: (r) => r.presence.msgsPerClientPerSecond, digits: 1, ratio: "presenceMessagesPerClient" },
  { label: "presence msgs/s busiest client", pick: (r) => r.presence.maxMsgsPerClientPerSecond, digits: 1 },
  { label: "presence states/s per client", pick: (r) => r.presence.statesPerClientPerSecond, digits: 1 },
  { label: "presence KB/s per client", pick: (r) => r.presence.bytesPerClientPerSecond / 1024, digits: 2, ratio: "presenceBytesPerClient" },
  { label: "server CPU (cores)", pick: (r) => r.server.cpuCores, digits: 2, ratio: "serverCpu" },
  { label: "server CPU in user space (cores)", pick: (r) => r.server.userCores, digits: 2, ratio: "serverUserCpu" },
  { label: "server CPU ms per delivered edit", pick: (r) => r.server.cpuMsPerDeliveredEdit, digits: 3, ratio: "serverCpuPerDeliveredEdit" },
  { label: "server RSS peak (MB)", pick: (r) => r.server.rssPeakMB, digits: 0, ratio: "rssPeak" },
  { label: "server RSS at end (MB)", pick: (r) => r.server.rssEndMB, digits: 0 },
  { label: "server V8 heap used (MB)", pick: (r) => r.server.heapUsedMB, digits: 0 },
  { label: "server V8 heap reserved (MB)", pick: (r) => r.server.heapTotalMB, digits: 0 },
  { label: "server GC pauses (ms/s)", pick: (r) => r.server.gcMsPerSecond, digits: 1 },
  { label: "server loop lag p99 (ms)", pick: (r) => r.server.loopLagP99Ms, digits: 1 },
  { label: "server loop lag max (ms)", pick: (r) => r.server.loopLagMaxMs, digits: 1 },
  { label: "update-log INSERTs/s", pick: (r) => r.server.logBatchesPerSecond, digits: 0 },
  { label: "edits per INSERT", pick: (r) => r.server.logEntriesPerBatch, digits: 1 },
  { label: "postgres backends of this run (cores)", pick: (r) => r.databaseBackendCpuCores, digits: 2 },
  { label: "postgres CPU, machine-wide (cores)", pick: (r) => r.postgresCpuCores, digits: 2 },
  { label: "generator CPU (cores)", pick: (r) => r.generator.cpuCores, digits: 2 },
  { label: "generator niceness", pick: (r) => r.generator.nice, digits: 0 },
  { label: "machine busy before the run (cores)", pick: (r) => r.machine.busyBeforeCores, digits: 2 },
  { label: "machine busy (cores)", pick: (r) => r.machine.busyCores, digits: 2 },
  { label: "other processes (cores)", pick: (r) => r.machine.otherCores, digits: 2 },
  { label: "generator loop lag p99 (ms)", pick: (r) => r.generator.loopLagP99Ms, digits: 1 },
  { label: "generator loop lag max (ms)", pick: (r) => r.generator.loopLagMaxMs, digits: 1 },
  { label: "generator loop utilization max", pick: (r) => r.generator.loopUtilizationMax, digits: 2 },
  { label: "client errors", pick: (r) => r.errors.total, digits: 0 },
  { label: "disconnects", pick: (r) => r.errors.disconnects, digits: 0 },
  { label: "users that never synced", pick: (r) => r.errors.failedUsers, digits: 0 },
  { label: "server warnings/errors logged", pick: (r) => r.server.problems, digits: 0 },
];

/** The goals for LiveShare in the named scenarios: absolute ones, against bare Hocuspocus and against the floor. */
export function checks(scenario: string, results: ScenarioReport["results"], ratios: Record<string, number>, floorRatios: Record<string, number>): ScenarioReport["checks"] {
  const live = results.liveshare;
  if (!live) return [];
  return [...ownChecks(scenario, live, ratios), ...floorChecks(scenario, live, results.floor, floorRatios)];
}

/** Close to the floor: CPU within 1.2×, p99 within 1.5× (and ≤ 100 ms at 1000/100 when the floor's is), ack p99 ≤ 2× edit p99. */
function floorChecks(scenario: string, live: TargetResult, floor: TargetResult | undefined, floorRatios: Record<string, number>): ScenarioReport["checks"] {
  const within = (key: string, limit: number) => (floorRatios[key] === undefined ? undefined : floorRatios[key] <= limit);
  const out: ScenarioReport["checks"] = [
    { target: "ack p99 ≤ 2× edit p99", met: live.edits.ackMs.p99 <= 2 * live.edits.latencyMs.p99 },
    { target: "RSS ≤ 300 MB", met: live.server.rssPeakMB <= 300 },
  ];
  if (scenario !== "500/50" && scenario !== "1000/100") return out;
  out.push({ target: "server CPU ≤ 1.2× the floor relay's", met: within("serverCpu", 1.2) }, { target: "edit p99 ≤ 1.5× the floor relay's", met: within("latencyP99", 1.5) });
  if (scenario === "1000/100" && floor && floor.edits.latencyMs.p99 <= 100) out.push({ target: "edit p99 ≤ 100 ms (the floor's is)", met: live.edits.latencyMs.p99 <= 100 });
  return out;
}

function ownChecks(scenario: string, live: TargetResult, ratios: Record<string, number>): ScenarioReport["checks"] {
  const all = live.edits.deliveredPercent === 100;
  const p99 = live.edits.latencyMs.p99;
  switch (scenario) {
    case "100/10":
      return [
        { target: "every edit delivered", met: all },
        { target: "p99 ≤ 25 ms", met: p99 <= 25 },
        {
          target: "server CPU per delivered edit ≤ 0.5× bare Hocuspocus",
          met: ratios.serverCpuPerDeliveredEdit === undefined ? undefined : ratios.serverCpuPerDeliveredEdit <= 0.5,
        },
      ];
    case "100/1":
      return [
        { target: "every edit delivered", met: all },
        { target: "p99 ≤ 100 ms", met: p99 <= 100 },
      ];
    case "1000/100":
      return [
        { target: "every edit delivered", met: all },
        { target: "no errors or disconnects", met: live.errors.total === 0 && live.errors.disconnects === 0 && live.errors.failedUsers === 0 },
        { target: "p99 ≤ 100 ms", met: p99 <= 100 },
      ];
    default:
      return [];
  }
}

export function ratiosOf(live: TargetResult | undefined, bare: TargetResult | undefined): Record<string, number> {
  const ratios: Record<string, number> = {};
  if (!live || !bare) return ratios;
  for (const row of ROWS) {
    if (!row.ratio) continue;
    const a = row.pick(live);
    const b = row.pick(bare);
    if (a !== undefined && b !== undefined && Number.isFinite(a) && Number.isFinite(b) && b !== 0) ratios[row.ratio] = a / b;
  }
  return ratios;
}

function fmt(value: number | undefined, digits: number): string {
  if (value === undefined || Number.isNaN(value)) return "–";
  if (value === Number.POSITIVE_INFINITY) return "∞ (undelivered)";
  return value.toFixed(digits);
}

/** A scenario as a text table: bare Hocuspocus, LiveShare, and the ratio LiveShare / bare. */
export function formatScenario(report: ScenarioReport): string {
  const targets = TARGET_ORDER.filter((t) => report.results[t] || report.failures[t]);
  const header = ["", ...targets.map((t) => TARGET_HEADER[t])];
  const withRatio = report.results.liveshare !== undefined && report.results.hocuspocus !== undefined;
  const withFloor = report.results.liveshare !== undefined && report.results.floor !== undefined;
  if (withRatio) header.push("liveshare / bare");
  if (withFloor) header.push("liveshare / floor");
  const ratio = (ratios: Record<string, number>, key: string | undefined) => (key && ratios[key] !== undefined ? `${ratios[key].toFixed(2)}×` : "");
  const rows: string[][] = [header];
  for (const row of ROWS) {
    const cells = [row.label, ...targets.map((t) => (report.results[t] ? fmt(row.pick(report.results[t]), row.digits) : "failed"))];
    if (withRatio) cells.push(ratio(report.ratios, row.ratio));
    if (withFloor) cells.push(ratio(report.floorRatios, row.ratio));
    rows.push(cells);
  }
  const widths = header.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  const out = [`=== ${report.scenario}: ${report.users} users in ${report.rooms} rooms ===`, line(rows[0]!), ...rows.slice(1).map(line)];
  for (const t of targets) {
    if (report.failures[t]) out.push(`${t} failed: ${report.failures[t]}`);
    const r = report.results[t];
    if (r?.server.crash) out.push(`${t} SERVER CRASHED: ${r.server.crash}`);
    for (const [pair, g] of Object.entries(r?.edits.byProtocol ?? {})) {
      const d = g.latency;
      out.push(`${t} ${pair}: ${g.delivered}/${g.pairs} delivered, latency p50 ${fmt(d.p50, 1)} p95 ${fmt(d.p95, 1)} p99 ${fmt(d.p99, 1)} max ${fmt(d.max, 1)} ms`);
    }
    if (r?.errors.samples.length) out.push(`${t} client errors (first ${r.errors.samples.length}):`, ...r.errors.samples.map((e) => `  ${e}`));
    if (r?.server.problemSamples.length) out.push(`${t} server log (first ${r.server.problemSamples.length} warnings/errors):`, ...r.server.problemSamples.map((e) => `  ${e.slice(0, 300)}`));
  }
  if (report.checks.length) {
    out.push("goals for LiveShare:");
    for (const c of report.checks) out.push(`  ${c.met === undefined ? "n/a    " : c.met ? "met    " : "NOT MET"}  ${c.target}${c.met === undefined ? " (needs both targets in the run)" : ""}`);
  }
  for (const t of targets) {
    const profile = report.results[t]?.profile;
    if (profile) out.push(formatProfile(profile, t));
  }
  return out.join("\n");
}

/** JSON with non-finite numbers (undelivered latencies, missing figures) as null. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2);
}
