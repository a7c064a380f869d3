import { readFileSync } from "node:fs";
import { REPO_ROOT } from "./servers.ts";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface HotSpot {
  /** `function (file:line)`, the file relative to the repository or to node_modules. */
  name: string;
  /** "liveshare", a package name, "node" (node: internals), or "v8" (GC, program, native). */
  owner: string;
  selfMs: number;
  /** Share of the busy (non-idle) time. */
  percent: number;
}

export interface ProfileSummary {
  file: string;
  busyMs: number;
  idleMs: number;
  /** Whether only the measurement window was counted (else the whole process life). */
  windowOnly: boolean;
  top: HotSpot[];
  /** Self time summed per owner (LiveShare's own code, each dependency, node, v8). */
  byOwner: Array<{ owner: string; selfMs: number; percent: number }>;
  /**
   * LiveShare's functions by total time (their own plus everything they call): where LiveShare's
   * design pays for work done inside dependencies.
   */
  liveshareTotal: Array<{ name: string; totalMs: number; percent: number }>;
}

/**
 * Aggregates a V8 .cpuprofile by function (name + url + line): self time, busiest first. With a
 * window (CLOCK_MONOTONIC microseconds — V8's profile clock and `process.hrtime` are the same clock
 * on Linux) only samples inside it count, so start-up and set-up do not dilute the steady state.
 */
export function summarizeProfile(file: string, window?: { fromUs: number; toUs: number }, topN = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const selfUs = new Map<number, number>();
  let at = profile.startTime;
  // timeDeltas[i] is the time before sample i; the time until the next sample belongs to sample i.
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0;
    if (window && (at < window.fromUs || at > window.toUs)) continue;
    const id = profile.samples[i]!;
    const delta = profile.timeDeltas[i + 1] ?? 0;
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, delta));
  }
  // Total time per LiveShare function: each sample counts once for every distinct LiveShare
  // function on its stack (recursion is not double counted).
  const totalUs = new Map<string, number>();
  const nameOf = (frame: ProfileNode["callFrame"]) => {
    const fn = frame.functionName || "(anonymous)";
    if (!frame.url) return fn;
    // tsx compiles our TypeScript without line structure, so positions in src/ and bench/ mean nothing.
    const compiled = ["liveshare", "bench"].includes(ownerOf(frame.url, frame.functionName));
    return `${fn} (${shortUrl(frame.url)}${compiled ? "" : `:${frame.lineNumber + 1}`})`;
  };
  for (const [leaf, us] of selfUs) {
    const seen = new Set<string>();
    for (let id: number | undefined = leaf; id !== undefined; id = parentOf.get(id)) {
      const frame = byId.get(id)?.callFrame;
      if (!frame || ownerOf(frame.url, frame.functionName) !== "liveshare") continue;
      const name = nameOf(frame);
      if (seen.has(name)) continue;
      seen.add(name);
      totalUs.set(name, (totalUs.get(name) ?? 0) + us);
    }
  }
  const functions = new Map<string, HotSpot>();
  const owners = new Map<string, number>();
  let idleUs = 0;
  let busyUs = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    if (frame.functionName === "(idle)") {
      idleUs += us;
      continue;
    }
    busyUs += us;
    const owner = ownerOf(frame.url, frame.functionName);
    const name = nameOf(frame);
    const spot = functions.get(name) ?? { name, owner, selfMs: 0, percent: 0 };
    spot.selfMs += us / 1000;
    functions.set(name, spot);
    owners.set(owner, (owners.get(owner) ?? 0) + us / 1000);
  }
  const busyMs = busyUs / 1000;
  const pct = (ms: number) => (busyMs > 0 ? (100 * ms) / busyMs : 0);
  const top = [...functions.values()].sort((a, b) => b.selfMs - a.selfMs).slice(0, topN);
  for (const spot of top) spot.percent = pct(spot.selfMs);
  return {
    file,
    busyMs,
    idleMs: idleUs / 1000,
    windowOnly: window !== undefined,
    top,
    byOwner: [...owners.entries()].map(([owner, selfMs]) => ({ owner, selfMs, percent: pct(selfMs) })).sort((a, b) => b.selfMs - a.selfMs),
    liveshareTotal: [...totalUs.entries()]
      .map(([name, us]) => ({ name, totalMs: us / 1000, percent: pct(us / 1000) }))
      .sort((a, b) => b.totalMs - a.totalMs)
      .slice(0, topN),
  };
}

function ownerOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith("(") ? "v8" : "native";
  if (url.startsWith("node:")) return "node";
  const modules = url.lastIndexOf("/node_modules/");
  if (modules >= 0) {
    const rest = url.slice(modules + "/node_modules/".length).split("/");
    return rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : (rest[0] ?? "dependency");
  }
  if (url.includes(`${REPO_ROOT}/src/`)) return "liveshare";
  if (url.includes(`${REPO_ROOT}/bench/`)) return "bench";
  return "other";
}

function shortUrl(url: string): string {
  const path = url.replace(/^file:\/\//, "");
  const modules = path.lastIndexOf("/node_modules/");
  if (modules >= 0) return path.slice(modules + "/node_modules/".length);
  return path.startsWith(`${REPO_ROOT}/`) ? path.slice(REPO_ROOT.length + 1) : path;
}

/** The summary as text: top functions, then self time per owner. */
export function formatProfile(summary: ProfileSummary, label: string): string {
  const lines = [
    `CPU profile of ${label}: ${summary.file}`,
    `${summary.windowOnly ? "measurement window" : "whole process"}: busy ${(summary.busyMs / 1000).toFixed(1)} s, idle ${(summary.idleMs / 1000).toFixed(1)} s; self time, % of busy:`,
  ];
  for (const spot of summary.top) lines.push(`  ${spot.percent.toFixed(1).padStart(5)}%  ${spot.selfMs.toFixed(0).padStart(7)} ms  [${spot.owner}] ${spot.name}`);
  lines.push("self time by owner:");
  for (const o of summary.byOwner.slice(0, 15)) lines.push(`  ${o.percent.toFixed(1).padStart(5)}%  ${o.selfMs.toFixed(0).padStart(7)} ms  ${o.owner}`);
  if (summary.liveshareTotal.length) {
    lines.push("LiveShare's functions by total time (self + callees), % of busy:");
    for (const f of summary.liveshareTotal.slice(0, 15)) lines.push(`  ${f.percent.toFixed(1).padStart(5)}%  ${f.totalMs.toFixed(0).padStart(7)} ms  ${f.name}`);
  }
  return lines.join("\n");
}
