import os from "node:os";
import type { CliOptions } from "./options.ts";
import { checks, ratiosOf, type ScenarioReport } from "./report.ts";
import { machineBusySeconds } from "./proc-stats.ts";
import { runTarget, type TargetResult } from "./run.ts";

/** Other work above this many busy cores before a run competes with server and generator. */
const QUIET_CORES = 0.3;

/** Busy cores of the machine over the next `seconds`. */
async function busyCores(seconds: number): Promise<number> {
  const before = machineBusySeconds();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  return (machineBusySeconds() - before) / seconds;
}

/**
 * On a shared machine other work distorts every figure: waits (up to `waitS`) until the machine is
 * quiet, and says so when it is not.
 */
async function waitForQuiet(waitS: number, log: (line: string) => void): Promise<number> {
  const deadline = Date.now() + waitS * 1000;
  for (;;) {
    const busy = await busyCores(2);
    if (busy <= QUIET_CORES) return busy;
    if (Date.now() >= deadline) {
      log(`warning: the machine is already busy (${busy.toFixed(2)} cores) with other work; figures will be distorted`);
      return busy;
    }
    log(`machine busy (${busy.toFixed(2)} cores); waiting for it to quiet down`);
  }
}

export interface LoadtestReport {
  date: string;
  machine: { cpus: number; model: string; memoryGB: number; node: string; platform: string };
  options: Omit<CliOptions, "scenarios" | "adminDatabaseUrl">;
  scenarios: ScenarioReport[];
}

/**
 * Runs every scenario against every target, one after the other (never two servers at once: they
 * would share the cores). A target that fails is reported as failed and the rest carries on.
 */
export async function runLoadtest(options: CliOptions, log: (line: string) => void, onScenario?: (report: ScenarioReport) => void): Promise<LoadtestReport> {
  const scenarios: ScenarioReport[] = [];
  for (const scenario of options.scenarios) {
    const results: Partial<Record<TargetResult["target"], TargetResult>> = {};
    const failures: ScenarioReport["failures"] = {};
    for (const target of options.targets) {
      log(`--- ${scenario.name} against ${target} ---`);
      try {
        const busyBefore = await waitForQuiet(options.waitQuietS, log);
        results[target] = await runTarget(target, { ...options, users: scenario.users, rooms: scenario.rooms, log });
        results[target].machine.busyBeforeCores = busyBefore;
      } catch (error) {
        failures[target] = error instanceof Error ? error.message : String(error);
        log(`${target} failed: ${failures[target]}`);
      }
      // Let the machine settle (sockets in TIME_WAIT, PostgreSQL checkpoints) before the next run.
      await new Promise((r) => setTimeout(r, 2000));
    }
    const ratios = ratiosOf(results.liveshare, results.hocuspocus);
    const floorRatios = ratiosOf(results.liveshare, results.floor);
    const report: ScenarioReport = {
      scenario: scenario.name,
      users: scenario.users,
      rooms: scenario.rooms,
      results,
      failures,
      ratios,
      floorRatios,
      checks: checks(scenario.name, results, ratios, floorRatios),
    };
    scenarios.push(report);
    onScenario?.(report);
  }
  const { scenarios: _s, adminDatabaseUrl: _a, ...rest } = options;
  return {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? "unknown", memoryGB: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.type()} ${os.release()}` },
    options: rest,
    scenarios,
  };
}
