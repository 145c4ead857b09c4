/** Summaries of timed samples (milliseconds) and ratios between them. */

export interface Summary {
  n: number;
  p50: number;
  p90: number;
  mean: number;
}

/** The nearest rank at or above quantile q of ascending `sorted` (not empty). */
export function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** p50/p90 as the nearest rank at or above the quantile; undefined for no samples. */
export function summarize(ms: readonly number[]): Summary | undefined {
  if (ms.length === 0) return undefined;
  const s = [...ms].sort((a, b) => a - b);
  return { n: s.length, p50: quantile(s, 0.5), p90: quantile(s, 0.9), mean: s.reduce((a, b) => a + b, 0) / s.length };
}

/** Latency percentiles of a batch (throughput, compensation): p50, p95, p99 and the worst. */
export interface Percentiles {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function percentiles(ms: readonly number[]): Percentiles | undefined {
  if (ms.length === 0) return undefined;
  const s = [...ms].sort((a, b) => a - b);
  return { n: s.length, p50: quantile(s, 0.5), p95: quantile(s, 0.95), p99: quantile(s, 0.99), max: s[s.length - 1]! };
}

export interface Ratio {
  p50: number;
  p90: number;
  mean: number;
}

/** a / b statistic by statistic; undefined when either side has no samples. */
export function ratio(a: Summary | undefined, b: Summary | undefined): Ratio | undefined {
  if (!a || !b) return undefined;
  return { p50: a.p50 / b.p50, p90: a.p90 / b.p90, mean: a.mean / b.mean };
}
