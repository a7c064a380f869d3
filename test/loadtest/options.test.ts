import { describe, expect, it } from "vitest";
import { parseOptions, UsageError } from "../../bench/loadtest/options.ts";

describe("load test options", () => {
  it("expands named scenarios and runs bare Hocuspocus before LiveShare by default", () => {
    const options = parseOptions(["--scenario", "100/10,1000/100", "--duration", "5"]);
    if (options === "help") throw new Error("unexpected help");
    expect(options.scenarios).toEqual([
      { name: "100/10", users: 100, rooms: 10 },
      { name: "1000/100", users: 1000, rooms: 100 },
    ]);
    expect(options.targets).toEqual(["hocuspocus", "liveshare"]);
    expect(options.durationS).toBe(5);
  });

  it("rejects an unknown scenario, a bad number and a missing size with a clear message", () => {
    expect(() => parseOptions(["--scenario", "7/7"])).toThrow(new UsageError('unknown scenario "7/7"; known: 10/1, 50/5, 100/10, 100/1, 500/50, 1000/100'));
    expect(() => parseOptions(["--users", "10", "--rooms", "0"])).toThrow(/--rooms must be an integer from 1 to 10/);
    expect(() => parseOptions(["--users", "10"])).toThrow(/--scenario NAME or both --users N and --rooms R/);
    expect(() => parseOptions(["--scenario", "10/1", "--target", "y-websocket"])).toThrow(/--target must be liveshare, baseline, hocuspocus, floor, sink or both/);
    expect(() => parseOptions(["--scenario", "10/1", "--target", "baseline,liveshare"])).toThrow(/--target baseline needs --baseline-entry FILE/);
  });

  it("takes several targets and runs the references first", () => {
    const options = parseOptions(["--scenario", "10/1", "--target", "liveshare,floor,sink"]);
    if (options === "help") throw new Error("unexpected help");
    expect(options.targets).toEqual(["sink", "floor", "liveshare"]);
  });

  it("runs a baseline LiveShare from another checkout before this one, and writes charts unless told not to", () => {
    const options = parseOptions(["--scenario", "10/1", "--target", "liveshare,baseline,floor", "--baseline-entry", "../before/src/server.ts"]);
    if (options === "help") throw new Error("unexpected help");
    expect(options.targets).toEqual(["floor", "baseline", "liveshare"]);
    expect(options.baselineEntry).toMatch(/\/before\/src\/server\.ts$/);
    expect(options.chartsDir).toMatch(/bench-results$/);
    const quiet = parseOptions(["--scenario", "10/1", "--charts", "none"]);
    if (quiet === "help") throw new Error("unexpected help");
    expect(quiet.chartsDir).toBeUndefined();
  });
});
