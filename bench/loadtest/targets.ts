/** What a run measures; "baseline" is LiveShare from another checkout (`--baseline-entry`), for before/after. */
export type Target = "liveshare" | "baseline" | "hocuspocus" | "floor" | "sink";

/** LiveShare itself, this checkout's or the baseline's: provisioned over its REST API. */
export function isLiveShare(target: Target): target is "liveshare" | "baseline" {
  return target === "liveshare" || target === "baseline";
}

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
