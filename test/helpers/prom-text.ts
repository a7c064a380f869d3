/** One sample line of the Prometheus text format: `name{label="value",…} value`. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A metric family: its HELP and TYPE lines and its samples (histograms' `_bucket/_sum/_count` included). */
export interface Family {
  name: string;
  help: string | undefined;
  type: string | undefined;
  samples: Sample[];
}

/** A parsed `/metrics` page, with lookups that read like the assertions. */
export class Scrape {
  constructor(readonly families: Map<string, Family>) {}

  /** Every sample of every family. */
  get samples(): Sample[] {
    return [...this.families.values()].flatMap((f) => f.samples);
  }

  /** The value of the sample `name` whose labels include `labels` (0 when there is none: an untouched series). */
  value(name: string, labels: Record<string, string> = {}): number {
    const matching = this.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    if (matching.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} matches ${matching.length} series; name more labels`);
    return matching[0]?.value ?? 0;
  }

  /** Sum over every sample `name` whose labels include `labels`. */
  sum(name: string, labels: Record<string, string> = {}): number {
    return this.samples
      .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
      .reduce((total, s) => total + s.value, 0);
  }
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/y;

/** Parses the Prometheus text exposition format (0.0.4); throws on a line it does not understand. */
export function parsePrometheusText(text: string): Scrape {
  const families = new Map<string, Family>();
  const family = (name: string): Family => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { name, help: undefined, type: undefined, samples: [] }));
    return f;
  };
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const meta = line.match(/^# (HELP|TYPE) (\S+) ?(.*)$/);
    if (meta) {
      const [, kind, name, rest] = meta as [string, string, string, string];
      if (kind === "HELP") family(name).help = rest.replaceAll("\\n", "\n").replaceAll("\\\\", "\\");
      else family(name).type = rest;
      continue;
    }
    if (line.startsWith("#")) continue;
    const match = line.match(SAMPLE);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    const [, name, labelText = "", valueText] = match as [string, string, string | undefined, string];
    const labels: Record<string, string> = {};
    LABEL.lastIndex = 0;
    while (LABEL.lastIndex < labelText.length) {
      const label = LABEL.exec(labelText);
      if (!label) throw new Error(`bad labels in: ${line}`);
      labels[label[1]!] = label[2]!.replaceAll('\\"', '"').replaceAll("\\n", "\n").replaceAll("\\\\", "\\");
    }
    // prom-client writes NaN as "Nan"; Prometheus reads any case.
    const value = valueText === "+Inf" ? Infinity : valueText === "-Inf" ? -Infinity : /^nan$/i.test(valueText) ? NaN : Number(valueText);
    if (Number.isNaN(value) && !/^nan$/i.test(valueText)) throw new Error(`bad value in: ${line}`);
    family(familyOf(name, families)).samples.push({ name, labels, value });
  }
  return new Scrape(families);
}

/** `x_bucket`, `x_sum`, `x_count` belong to the family `x` when it is declared. */
function familyOf(sample: string, families: Map<string, Family>): string {
  const base = sample.replace(/_(bucket|sum|count|total|created)$/, "");
  return base !== sample && families.has(base) && !families.has(sample) ? base : sample;
}

/** Fetches and parses a `/metrics` page. */
export async function scrape(url: string): Promise<Scrape> {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`GET ${url}: ${response.status}`);
  return parsePrometheusText(await response.text());
}
