/**
 * A LiveShare server for the presence benchmark, run as a child process so that its CPU is measured
 * apart from the clients'. Configured by the environment (PRESENCE_BATCH_MS …); talks to the parent
 * over IPC: sends `{ port }` once listening, answers `"stats"` with its CPU time and presence
 * counters, and closes on `"stop"`.
 */
import { loadConfig } from "../../src/config.ts";
import { createLiveShare } from "../../src/assembly.ts";

const liveshare = await createLiveShare(loadConfig());
const port = await liveshare.listen();
const { registry } = liveshare.core.metrics;

async function sum(name: string, labels: Record<string, string>): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  let total = 0;
  for (const value of metric?.values ?? []) {
    if (Object.entries(labels).every(([k, v]) => value.labels[k] === v)) total += value.value;
  }
  return total;
}

process.on("message", async (message: unknown) => {
  if (message === "stats") {
    // Per-frame counts are tallied and added to the counters at scrape time: scrape first.
    for (const refresh of liveshare.core.metrics.beforeScrape) refresh();
    const cpu = process.cpuUsage();
    process.send!({
      cpuMicros: cpu.user + cpu.system,
      at: performance.now(),
      presenceSent: await sum("liveshare_messages_sent_total", { message_type: "awareness" }),
      presenceBytesSent: await sum("liveshare_bandwidth_bytes_sent", { message_type: "awareness" }),
      dropped: await sum("liveshare_messages_dropped_total", { reason: "congested" }),
      rateLimited: await sum("liveshare_messages_dropped_total", { reason: "rate_limited" }),
    });
  } else if (message === "stop") {
    await liveshare.close();
    process.exit(0);
  }
});
process.send!({ port });
