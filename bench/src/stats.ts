/** Pure statistics for the benchmark: every function takes plain numbers and returns plain numbers. */

/** Value at quantile q (0..1) of the samples, linear interpolation between closest ranks; null when empty. */
export function quantile(samples: readonly number[], q: number): number | null {
  if (samples.length === 0) return null;
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile ${q} is not within 0..1`);
  const sorted = [...samples].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (pos - lo);
}

export const median = (samples: readonly number[]): number | null => quantile(samples, 0.5);
export const p95 = (samples: readonly number[]): number | null => quantile(samples, 0.95);
export const p99 = (samples: readonly number[]): number | null => quantile(samples, 0.99);

/** A measured duration over repeated trials, in milliseconds. */
export interface Summary {
  /** Trials that produced a value. */
  n: number;
  medianMs: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  minMs: number | null;
  maxMs: number | null;
}

export function summarize(samplesMs: readonly number[]): Summary {
  const finite = samplesMs.filter((x) => Number.isFinite(x));
  return {
    n: finite.length,
    medianMs: median(finite),
    p95Ms: p95(finite),
    p99Ms: p99(finite),
    minMs: finite.length === 0 ? null : Math.min(...finite),
    maxMs: finite.length === 0 ? null : Math.max(...finite),
  };
}

/** One link's observed share against its ideal share (weight / total weight), in percentage points. */
export interface ShareRow {
  link: string;
  weight: number;
  count: number;
  idealPct: number;
  observedPct: number;
  deviationPoints: number;
}

/** Flows per link vs. weights → each link's share and its deviation from the ideal, in points. */
export function shares(
  counts: Readonly<Record<string, number>>,
  weights: Readonly<Record<string, number>>,
): ShareRow[] {
  const totalWeight = Object.values(weights).reduce((s, w) => s + w, 0);
  const totalCount = Object.keys(weights).reduce((s, l) => s + (counts[l] ?? 0), 0);
  if (totalWeight <= 0) throw new RangeError("weights must add up to more than 0");
  return Object.entries(weights).map(([link, weight]) => {
    const count = counts[link] ?? 0;
    const idealPct = (100 * weight) / totalWeight;
    const observedPct = totalCount === 0 ? 0 : (100 * count) / totalCount;
    return { link, weight, count, idealPct, observedPct, deviationPoints: Math.abs(observedPct - idealPct) };
  });
}

/** The largest deviation from the ideal share over all links, in percentage points. */
export function maxDeviationPoints(
  counts: Readonly<Record<string, number>>,
  weights: Readonly<Record<string, number>>,
): number {
  return Math.max(0, ...shares(counts, weights).map((r) => r.deviationPoints));
}

/** a / b, or null when either is missing or b is 0 (a ratio against a peer that never finished is not a number). */
export function ratio(a: number | null, b: number | null): number | null {
  if (a === null || b === null || b === 0) return null;
  return a / b;
}
