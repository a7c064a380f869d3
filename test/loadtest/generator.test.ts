import { describe, expect, it } from "vitest";
import { runTarget, type RunOptions } from "../../bench/loadtest/run.ts";
import { readProc } from "../../bench/loadtest/proc-stats.ts";
import { scenarioChart } from "../../bench/loadtest/chart.ts";
import { liveShareFixture } from "../helpers/fixture.ts";

/** A handful of users for ~3 s: enough to exercise every path, small enough for a 2-core CI machine. */
function smallRun(overrides: Partial<RunOptions> = {}): RunOptions {
  return {
    users: 4,
    rooms: 2,
    durationS: 3,
    graceS: 2,
    workers: 2,
    cursorHz: 30,
    editHz: 2,
    jsonClients: 0,
    connectConcurrency: 4,
    connectTimeoutS: 20,
    setupTimeoutS: 60,
    generatorNice: 0,
    url: undefined,
    adminDatabaseUrl: "postgres://postgres@127.0.0.1:5432/test",
    profileDir: undefined,
    serverEnv: {},
    liveshareEntry: undefined,
    baselineEntry: undefined,
    serverNodeArgs: [],
    log: () => {},
    ...overrides,
  };
}

describe("the load generator", () => {
  const live = liveShareFixture();

  it("drives raw Yjs users and a JSON-protocol user through LiveShare's REST path and reports their edits delivered to the other users of each room", async () => {
    const server = await live.start();
    const result = await runTarget("liveshare", smallRun({ url: server.httpUrl, jsonClients: 1 }));
    expect(result.setup.ready).toBe(4);
    expect(result.edits.sent).toBeGreaterThan(0);
    // Rooms of two: every edit has exactly one receiver.
    expect(result.edits.pairs).toBe(result.edits.sent);
    expect(result.edits.delivered).toBeGreaterThan(0);
    expect(result.edits.latencyMs.count).toBe(result.edits.pairs);
    expect(result.presence.msgsPerClientPerSecond).toBeGreaterThan(0);
    // User 0 speaks JSON and shares room 0 with Yjs user 2.
    expect(Object.keys(result.edits.byProtocol).sort()).toEqual(["json→yjs", "yjs→json", "yjs→yjs"]);
    expect(result.edits.byProtocol["json→yjs"]!.delivered).toBeGreaterThan(0);
    expect(result.edits.byProtocol["yjs→json"]!.delivered).toBeGreaterThan(0);
    expect(result.server.source).toBe("/metrics");
    // CPU split into user space and kernel, and GC pauses, from the server's own /metrics.
    expect(result.server.userCores).toBeGreaterThan(0);
    expect(result.server.userCores).toBeLessThanOrEqual(result.server.cpuCores);
    expect(result.server.gcMsPerSecond).toBeGreaterThanOrEqual(0);
    expect(result.errors).toMatchObject({ disconnects: 0, failedUsers: 0 });
    expect(result.errors.samples).toEqual([]);
  });

  it("runs the same users against bare Hocuspocus in a child process and leaves no process behind", async () => {
    const result = await runTarget("hocuspocus", smallRun());
    expect(result.setup.ready).toBe(4);
    expect(result.edits.delivered).toBeGreaterThan(0);
    expect(result.server.source).toBe("/proc");
    expect(result.server.cpuCores).toBeGreaterThan(0);
    expect(result.server.userCores).toBeGreaterThanOrEqual(0);
    expect(result.server.userCores).toBeLessThanOrEqual(result.server.cpuCores);
    // Not one of LiveShare's: no /metrics to read GC pauses from.
    expect(result.server.gcMsPerSecond).toBeUndefined();
    expect(result.server.rssPeakMB).toBeGreaterThan(0);
    expect(result.server.crash).toBeUndefined();
    expect(result.serverPid).toBeDefined();
    expect(readProc(result.serverPid!)).toBeUndefined();
  });

  it("measures the floor relay, which delivers every edit and batches presence, and the sink, which forwards nothing", async () => {
    const floor = await runTarget("floor", smallRun());
    expect(floor.setup.ready).toBe(4);
    expect(floor.edits.delivered).toBe(floor.edits.pairs);
    expect(floor.edits.unacked).toBe(0);
    // One batch per room about every 100 ms, whatever the cursor rate.
    expect(floor.presence.msgsPerClientPerSecond).toBeGreaterThan(0);
    expect(floor.presence.msgsPerClientPerSecond).toBeLessThan(15);
    expect(readProc(floor.serverPid!)).toBeUndefined();

    const sink = await runTarget("sink", smallRun());
    expect(sink.setup.ready).toBe(4);
    expect(sink.edits.sent).toBeGreaterThan(0);
    expect(sink.edits.delivered).toBe(0);
    expect(sink.edits.unacked).toBe(0);
    expect(sink.presence.msgsPerClientPerSecond).toBe(0);

    // The measured distributions, drawn: one cumulative curve per target and measure, ending at the max.
    const cdf = floor.edits.latencyMs.cdf;
    expect(cdf.at(-1)).toEqual([floor.edits.latencyMs.max, 1]);
    for (let i = 1; i < cdf.length; i++) expect(cdf[i]![0] >= cdf[i - 1]![0] && cdf[i]![1] >= cdf[i - 1]![1]).toBe(true);
    const svg = await scenarioChart({ scenario: "4/2", users: 4, rooms: 2, results: { floor, sink }, failures: {}, ratios: {}, floorRatios: {}, checks: [] });
    expect(svg).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain("floor relay");
    expect(svg).toContain("4/2: 4 users in 2 rooms");
    // Floor: edit and ack curves; the sink delivered nothing, so only its ack curve.
    expect(svg.match(/<path [^>]*aria-roledescription="line mark"/g)?.length).toBe(3);
  });
});
