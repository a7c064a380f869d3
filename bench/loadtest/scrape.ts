/** Figures of a LiveShare's /metrics (prom-client's default process and Node.js metrics). */
export interface MetricsSample {
  cpu: number;
  /** Of `cpu`, in user space. */
  user: number;
  /** Time in garbage-collection pauses so far, every kind (prom-client's `nodejs_gc_duration_seconds`). */
  gc: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  /** Event-loop lag since the previous scrape (prom-client resets its histogram on every scrape), ms. */
  loopLagP99Ms: number;
  loopLagMaxMs: number;
  /** Group-commit batches of the durable update log so far, and the entries they held (counters). */
  logBatches: number;
  logEntries: number;
}

/** process_cpu_seconds_total, RSS and heap figures from a LiveShare's /metrics, or undefined. */
export async function scrapeMetrics(httpUrl: string): Promise<MetricsSample | undefined> {
  try {
    const text = await (await fetch(`${httpUrl}/metrics`)).text();
    const value = (name: string) => Number(text.match(new RegExp(`^${name} ([0-9.e+-]+)$`, "m"))?.[1]);
    const cpu = value("process_cpu_seconds_total");
    if (!Number.isFinite(cpu)) return undefined;
    let gc = 0;
    for (const match of text.matchAll(/^nodejs_gc_duration_seconds_sum\{[^}]*\} ([0-9.e+-]+)$/gm)) gc += Number(match[1]);
    return {
      cpu,
      user: value("process_cpu_user_seconds_total"),
      gc,
      rss: value("process_resident_memory_bytes") || 0,
      heapUsed: value("nodejs_heap_size_used_bytes"),
      heapTotal: value("nodejs_heap_size_total_bytes"),
      external: value("nodejs_external_memory_bytes"),
      // prom-client's histogram records tick intervals at 10 ms resolution: lag is what exceeds it.
      loopLagP99Ms: Math.max(0, value("nodejs_eventloop_lag_p99_seconds") * 1000 - 10),
      loopLagMaxMs: Math.max(0, value("nodejs_eventloop_lag_max_seconds") * 1000 - 10),
      logBatches: value("liveshare_update_log_batch_entries_count") || 0,
      logEntries: value("liveshare_update_log_batch_entries_sum") || 0,
    };
  } catch {
    return undefined;
  }
}

