import { monitorEventLoopDelay } from "node:perf_hooks";
import { machineBusySeconds, postgresCpuSeconds, readProc, RssSampler } from "./proc-stats.ts";
import { scrapeMetrics, type MetricsSample } from "./scrape.ts";
import type { ServerUnderTest } from "./servers.ts";

/** One snapshot of every CPU and memory figure, taken at each end of the measurement window. */
interface Snapshot {
  generator: NodeJS.CpuUsage;
  machine: number;
  postgres: number;
  backends: Map<number, number> | undefined;
  server: { cpu: number; user: number; rss: number } | undefined;
}

/** What the window measured outside the workers, in cores over the window (and MB). */
export interface WindowFigures {
  serverSource: "/proc" | "/metrics" | "none";
  serverCpuSeconds: number;
  serverCores: number;
  /** Of `serverCores`, in user space: JavaScript, V8 and libraries (the rest is system calls). */
  serverUserCores: number;
  /** Milliseconds per second the server spent in garbage-collection pauses (LiveShare's /metrics). */
  serverGcMsPerSecond: number | undefined;
  rssPeakMB: number;
  rssEndMB: number;
  /** Every postgres process on the machine (other users of the same PostgreSQL included). */
  postgresCores: number;
  /** The backends of this run's database; one that exited during the window takes its CPU with it. */
  backendCores: number | undefined;
  generatorCores: number;
  machineCores: number;
  /** Machine busy time that was neither server, generator nor PostgreSQL: competition for the cores. */
  otherCores: number;
  mainLoopLagP99Ms: number;
  /** V8 heap figures at the end of the window (LiveShare's /metrics). */
  heap: MetricsSample | undefined;
  /** The durable update log's group commits over the window (LiveShare's /metrics). */
  logBatchesPerSecond: number | undefined;
  logEntriesPerBatch: number | undefined;
}

/**
 * Takes the measurement window's figures: server CPU from /proc (or /metrics when the server is not
 * ours), peak RSS sampled throughout, PostgreSQL, the generator process, and the whole machine.
 */
export class WindowSampler {
  private readonly rss: RssSampler | undefined;
  private readonly mainLag = monitorEventLoopDelay({ resolution: 10 });
  private first: Snapshot | undefined;
  private last: Snapshot | undefined;
  private heap: MetricsSample | undefined;
  private metricsAtStart: MetricsSample | undefined;

  constructor(private readonly server: ServerUnderTest) {
    if (server.pid) this.rss = new RssSampler(server.pid);
  }

  async start(): Promise<void> {
    this.mainLag.enable();
    this.first = await this.snapshot();
    // A scrape resets the server's event-loop lag histogram: the one at the end covers the window.
    if (this.server.kind === "liveshare") this.metricsAtStart = await scrapeMetrics(this.server.httpUrl);
  }

  async end(): Promise<void> {
    this.mainLag.disable();
    this.last = await this.snapshot();
    // Heap figures while every user is still connected.
    if (this.server.kind === "liveshare") this.heap = await scrapeMetrics(this.server.httpUrl);
  }

  stop(): void {
    this.rss?.sample();
    this.rss?.stop();
  }

  figures(seconds: number): WindowFigures {
    const a = this.first;
    const b = this.last;
    const serverCpuSeconds = a?.server && b?.server ? b.server.cpu - a.server.cpu : Number.NaN;
    const generatorCores = a && b ? (b.generator.user + b.generator.system - a.generator.user - a.generator.system) / 1e6 / seconds : Number.NaN;
    // Negative when postgres processes exited during the window (their CPU leaves the sum).
    const postgresCores = a && b ? Math.max(0, (b.postgres - a.postgres) / seconds) : Number.NaN;
    const backendCores = a?.backends && b?.backends ? [...b.backends].reduce((sum, [pid, cpu]) => sum + cpu - (a.backends!.get(pid) ?? 0), 0) / seconds : undefined;
    const machineCores = a && b ? (b.machine - a.machine) / seconds : Number.NaN;
    const serverCores = serverCpuSeconds / seconds;
    return {
      serverSource: this.server.pid ? "/proc" : a?.server ? "/metrics" : "none",
      serverCpuSeconds,
      serverCores,
      serverUserCores: a?.server && b?.server ? (b.server.user - a.server.user) / seconds : Number.NaN,
      serverGcMsPerSecond: this.heap && this.metricsAtStart ? ((this.heap.gc - this.metricsAtStart.gc) * 1000) / seconds : undefined,
      rssPeakMB: (this.rss?.peakBytes ?? Math.max(a?.server?.rss ?? 0, b?.server?.rss ?? 0)) / 2 ** 20,
      rssEndMB: (b?.server?.rss ?? 0) / 2 ** 20,
      postgresCores,
      backendCores,
      generatorCores,
      machineCores,
      // PostgreSQL counts as the server's only when the server uses it (LiveShare).
      otherCores: Math.max(0, machineCores - generatorCores - (this.server.kind === "liveshare" ? postgresCores : 0) - (this.server.pid ? serverCores : 0)),
      // The histogram records tick intervals; lag is what exceeds the 10 ms resolution.
      mainLoopLagP99Ms: Math.max(0, this.mainLag.percentile(99) / 1e6 - 10),
      heap: this.heap,
      logBatchesPerSecond: this.heap && this.metricsAtStart ? (this.heap.logBatches - this.metricsAtStart.logBatches) / seconds : undefined,
      logEntriesPerBatch:
        this.heap && this.metricsAtStart && this.heap.logBatches > this.metricsAtStart.logBatches
          ? (this.heap.logEntries - this.metricsAtStart.logEntries) / (this.heap.logBatches - this.metricsAtStart.logBatches)
          : undefined,
    };
  }

  private async snapshot(): Promise<Snapshot> {
    const generator = process.cpuUsage();
    const machine = machineBusySeconds();
    const postgres = postgresCpuSeconds();
    const backends = this.server.databaseCpu ? await this.server.databaseCpu().catch(() => undefined) : undefined;
    let server: Snapshot["server"];
    if (this.server.pid) {
      const proc = readProc(this.server.pid);
      server = proc && { cpu: proc.cpuSeconds, user: proc.userSeconds, rss: proc.rssBytes };
    } else {
      server = await scrapeMetrics(this.server.httpUrl);
    }
    return { generator, machine, postgres, backends, server };
  }
}
