import type { Target } from "./run.ts";

/** Every target in the order runs, tables and charts show them: the references first. */
export const TARGET_ORDER: readonly Target[] = ["sink", "floor", "hocuspocus", "baseline", "liveshare"];

/** How a table's column and a chart's legend name each target. */
export const TARGET_HEADER: Record<Target, string> = {
  sink: "sink (no fan-out)",
  floor: "floor relay",
  hocuspocus: "bare hocuspocus",
  baseline: "liveshare (baseline)",
  liveshare: "liveshare",
};
