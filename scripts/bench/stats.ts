/** Summaries of timed samples (milliseconds) and ratios between them. */

export interface Summary {
  n: number;
  p50: number;
  p90: number;
  mean: number;
}

/** p50/p90 as the nearest rank at or above the quantile; undefined for no samples. */
export function summarize(ms: readonly number[]): Summary | undefined {
  if (ms.length === 0) return undefined;
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { n: s.length, p50: at(0.5), p90: at(0.9), mean: s.reduce((a, b) => a + b, 0) / s.length };
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
