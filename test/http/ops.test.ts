import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { liveShareFixture } from "../helpers/fixture.ts";
import { scrape, type Scrape } from "../helpers/prom-text.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const DASHBOARD = join(ROOT, "ops/grafana/liveshare-dashboard.json");
const ALERTS = join(ROOT, "ops/prometheus/alerts.yml");
const ALERT_TESTS = join(ROOT, "ops/prometheus/alerts.test.yml");
const OPERATIONS = join(ROOT, "docs/operations.md");

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { uid?: string };
  targets?: { expr: string; refId: string }[];
}
const dashboard = JSON.parse(readFileSync(DASHBOARD, "utf8")) as { uid: string; panels: Panel[] };
const queries = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));

/** Metric names (LiveShare's and the Node process's) that a text mentions. */
function metricNames(text: string): Set<string> {
  return new Set(text.match(/\b(?:liveshare|process|nodejs)_[a-z0-9_]+\b/g) ?? []);
}

/** The family a sample name belongs to: histograms are declared once, read as `_bucket/_sum/_count`. */
function familyName(name: string, metrics: Scrape): string {
  if (metrics.families.has(name)) return name;
  const base = name.replace(/_(bucket|sum|count)$/, "");
  return metrics.families.get(base)?.type === "histogram" ? base : name;
}

const promtool = spawnSync("promtool", ["--version"]).error === undefined;
const PROMTOOL_MISSING = "promtool is not installed (Debian: apt-get install -y --no-install-recommends prometheus)";

describe("the Grafana dashboard and the Prometheus alert rules", () => {
  const { server } = liveShareFixture({ shared: true });
  let metrics: Scrape;
  beforeAll(async () => {
    metrics = await scrape(`${server.httpUrl}/metrics`);
  });

  it("name only metrics that /metrics declares with a HELP line", () => {
    const referenced = new Set([...metricNames(readFileSync(DASHBOARD, "utf8")), ...metricNames(readFileSync(ALERTS, "utf8"))]);
    expect(referenced.size).toBeGreaterThan(20);
    const missing = [...referenced].filter((name) => !metrics.families.get(familyName(name, metrics))?.help);
    expect(missing).toEqual([]);
  });

  it("read histograms through their buckets and counters through rates, never the other way round", () => {
    for (const query of queries) {
      for (const name of metricNames(query)) {
        const type = metrics.families.get(familyName(name, metrics))?.type;
        if (type === "histogram") expect(name, query).toMatch(/_(bucket|sum|count)$/);
        if (type === "counter") expect(query, name).toMatch(new RegExp(`(rate|increase)\\(${name}\\{`));
      }
    }
  });

  it("give every panel a unique id, the datasource variable and at least one query", () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of dashboard.panels.filter((p) => p.type !== "row")) {
      expect(panel.datasource?.uid, panel.title).toBe("${datasource}");
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
    }
  });

  it("are matched by docs/operations.md, which documents every LiveShare metric and names none that does not exist", () => {
    const docs = readFileSync(OPERATIONS, "utf8");
    const declared = [...metrics.families.values()].filter((f) => f.name.startsWith("liveshare_") && f.help).map((f) => f.name);
    expect(declared.filter((name) => !docs.includes(`\`${name}\``))).toEqual([]);
    // The docs name database tables too, which share the prefix.
    const tables = new Set(["liveshare_sessions", "liveshare_snapshots", "liveshare_rate_limits"]);
    const named = [...metricNames(docs)].filter((name) => !tables.has(name) && !metrics.families.get(familyName(name, metrics))?.help);
    expect(named).toEqual([]);
  });

  it("are matched by docs/operations.md, whose log lines (module · level · message) are all logged somewhere in src", () => {
    const docs = readFileSync(OPERATIONS, "utf8");
    const source = readdirSync(join(ROOT, "src"), { recursive: true, encoding: "utf8" })
      .filter((file) => file.endsWith(".ts"))
      .map((file) => readFileSync(join(ROOT, "src", file), "utf8"))
      .join("\n");
    const cited = [...docs.matchAll(/`([a-z-]+)` · (?:(?:trace|debug|info|warn|error) · )?`([^`]+)`/g)].map(([, module, msg]) => ({ module: module!, msg: msg! }));
    expect(cited.length).toBeGreaterThan(20);
    const missing = cited.filter(({ module, msg }) => !msg.includes("…") && (!source.includes(`"${msg}"`) || !source.includes(`("${module}")`)));
    expect(missing).toEqual([]);
  });

  it.skipIf(!promtool)(`pass promtool check rules (skipped when ${PROMTOOL_MISSING})`, () => {
    const output = execFileSync("promtool", ["check", "rules", ALERTS], { encoding: "utf8" });
    expect(output).toContain("SUCCESS");
  });

  it.skipIf(!promtool)(`fire exactly as their unit tests expect, per promtool test rules (skipped when ${PROMTOOL_MISSING})`, () => {
    const output = execFileSync("promtool", ["test", "rules", ALERT_TESTS], { encoding: "utf8", cwd: join(ROOT, "ops/prometheus") });
    expect(output).toContain("SUCCESS");
  });

  it.skipIf(!promtool)(`have dashboard queries that are valid PromQL (skipped when ${PROMTOOL_MISSING})`, () => {
    // promtool parses queries only inside rule files: each query becomes a recording rule, with
    // Grafana's variables replaced by what they expand to.
    const expand = (query: string) => query.replaceAll("$__rate_interval", "5m").replaceAll("$job", ".*").replaceAll("$instance", ".*");
    const rules = ["groups:", "  - name: dashboard", "    rules:", ...queries.flatMap((q, i) => [`      - record: dashboard:query_${i}`, `        expr: ${JSON.stringify(expand(q))}`])];
    const dir = mkdtempSync(join(tmpdir(), "liveshare-dashboard-"));
    try {
      writeFileSync(join(dir, "dashboard-rules.yml"), rules.join("\n") + "\n");
      const output = execFileSync("promtool", ["check", "rules", join(dir, "dashboard-rules.yml")], { encoding: "utf8" });
      expect(output).toContain(`SUCCESS: ${queries.length} rules found`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
