import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parse, View } from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import type { ScenarioReport } from "./report.ts";
import { TARGET_HEADER, TARGET_ORDER } from "./targets.ts";

/** One point of a curve: which target and measure, the latency, and the share of edits at or below it. */
interface Point {
  series: string;
  measure: string;
  ms: number;
  fraction: number;
}

/** Vega-Lite needs positive values on a log axis: sub-millisecond latencies are drawn at this floor. */
const FLOOR_MS = 0.1;

/**
 * The scenario's latency distributions as an SVG: one cumulative curve per target, edit latency
 * (sender → every receiver) solid and acknowledgement latency dashed, on a log latency axis so that
 * the median and the tail are both readable. Drawn by Vega-Lite, rendered headless by Vega.
 */
export async function scenarioChart(report: ScenarioReport): Promise<string> {
  const points: Point[] = [];
  for (const target of TARGET_ORDER) {
    const result = report.results[target];
    if (!result) continue;
    const series = TARGET_HEADER[target];
    for (const [measure, distribution] of [
      ["edit", result.edits.latencyMs],
      ["ack", result.edits.ackMs],
    ] as const) {
      for (const [ms, fraction] of distribution.cdf) points.push({ series, measure, ms: Math.max(FLOOR_MS, ms), fraction });
    }
  }
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: `${report.scenario}: ${report.users} users in ${report.rooms} rooms`, subtitle: "latency CDF — edit delivery (solid), acknowledgement (dashed)" },
    width: 560,
    height: 300,
    background: "white",
    data: { values: points },
    mark: { type: "line", interpolate: "step-after", strokeWidth: 1.75 },
    encoding: {
      x: { field: "ms", type: "quantitative", title: "latency (ms, log scale)", scale: { type: "log" }, axis: { grid: true } },
      y: { field: "fraction", type: "quantitative", title: "share of edits at or below", scale: { domain: [0, 1] }, axis: { format: "%" } },
      color: { field: "series", type: "nominal", title: "target", sort: TARGET_ORDER.map((t) => TARGET_HEADER[t]), legend: { labelLimit: 240 } },
      strokeDash: { field: "measure", type: "nominal", title: "measure", sort: ["edit", "ack"], scale: { domain: ["edit", "ack"], range: [[1, 0], [5, 3]] } },
      detail: [{ field: "series" }, { field: "measure" }],
      order: { field: "fraction", type: "quantitative" },
    },
  };
  const view = new View(parse(compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Writes each scenario's chart into `dir` as `<users>-<rooms>.svg`; returns the files written. */
export async function writeCharts(reports: ScenarioReport[], dir: string): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (const report of reports) {
    const file = path.join(dir, `${report.scenario.replace(/[^A-Za-z0-9]+/g, "-")}.svg`);
    writeFileSync(file, await scenarioChart(report));
    files.push(file);
  }
  return files;
}
