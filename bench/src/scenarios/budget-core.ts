import type { Attempt } from "../scripts/connect-loop.js";

/** The month check-config counts in (packages/cli/src/core/probe-traffic.ts). */
export const MONTH_MS = 30 * 86_400_000;

/** A counter read: bytes seen so far at time t (ms). */
export interface CounterSample {
  t: number;
  bytes: number;
}

/**
 * Monthly figures (decimal MB) from a counter series: for every sample, the bytes until the first sample
 * at least `windowMs` later, extrapolated over its actual span. Windows of whole probe rounds (a multiple
 * of the standby interval) hold the same number of rounds wherever they start.
 */
export function monthlyMegabytes(samples: readonly CounterSample[], windowMs: number): number[] {
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < samples.length; i++) {
    const a = samples[i] as CounterSample;
    while (j < samples.length && (samples[j] as CounterSample).t - a.t < windowMs) j++;
    const b = samples[j];
    if (b === undefined) break;
    out.push(((b.bytes - a.bytes) * MONTH_MS) / (b.t - a.t) / 1e6);
  }
  return out;
}

/** Cut → the start of the first connection that succeeded through `isp` (begun at or after the cut); null when none. */
export function firstThrough(attempts: readonly Attempt[], cutAt: number, isp: string): number | null {
  const first = attempts.find((a) => a.ok && a.isp === isp && a.t >= cutAt);
  return first === undefined ? null : first.t - cutAt;
}
