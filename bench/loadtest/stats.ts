/** Percentiles of a sample; Infinity entries (undelivered edits) sort last and make a percentile unbounded. */
export interface Distribution {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
  /**
   * The cumulative distribution as [latency, fraction ≤ latency] points, enough to draw it: every half
   * percent, and the tail (p99 to max) finer. Undelivered (Infinity) entries are left out, so the
   * curve ends below 1 when some never arrived.
   */
  cdf: Array<[number, number]>;
}

/** Fractions at which the CDF is sampled: 0.5 % steps, then the tail in 0.05 % steps. */
const CDF_FRACTIONS = [...Array.from({ length: 198 }, (_, i) => (i + 1) / 200), ...Array.from({ length: 20 }, (_, i) => 0.99 + (i + 1) / 2000)];

export function distribution(values: Float64Array | number[]): Distribution {
  const sorted = Float64Array.from(values).sort();
  const count = sorted.length;
  if (count === 0) return { count, p50: Number.NaN, p95: Number.NaN, p99: Number.NaN, max: Number.NaN, mean: Number.NaN, cdf: [] };
  const at = (q: number) => sorted[Math.min(count - 1, Math.ceil(q * count) - 1)]!;
  let sum = 0;
  for (const v of sorted) sum += v;
  const cdf: Array<[number, number]> = Number.isFinite(sorted[0]) ? [[sorted[0]!, 1 / count]] : [];
  for (const q of CDF_FRACTIONS) {
    if (q <= 1 / count) continue;
    const value = at(q);
    if (Number.isFinite(value)) cdf.push([value, q]);
  }
  return { count, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted[count - 1]!, mean: sum / count, cdf };
}
