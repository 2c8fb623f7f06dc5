import type { RttStats } from "@wanpilot/common";
import type { ProbeOutcome } from "./params.js";

/** Sliding window of one target's outcomes, oldest first, bounded by time and count. */
export interface TargetWindow {
  samples: { sentAtMs: number; rttMs: number | null }[];
}

export function emptyWindow(): TargetWindow {
  return { samples: [] };
}

/** Appends an outcome and drops samples older than `windowMs` before `nowMs` (pure: returns a new window). */
export function pushSample(w: TargetWindow, o: ProbeOutcome, windowMs: number, nowMs: number): TargetWindow {
  let first = 0;
  while (first < w.samples.length && (w.samples[first]?.sentAtMs ?? 0) <= nowMs - windowMs) first++;
  // A hard cap keeps memory bounded even if a clock jump defeats the time bound.
  if (w.samples.length - first >= 10_000) first++;
  // One copy per outcome (this runs for every probe).
  const samples = w.samples.slice(first);
  samples.push({ sentAtMs: o.sentAtMs, rttMs: o.rttMs });
  return { samples };
}

export function since(w: TargetWindow, fromMs: number): TargetWindow {
  return { samples: w.samples.filter((s) => s.sentAtMs >= fromMs) };
}

/** RTT mean/min/max and jitter (mean absolute difference of consecutive answered RTTs, as RFC 3550). */
export function rttStats(rtts: readonly number[]): RttStats | null {
  if (rtts.length === 0) return null;
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  let jitterSum = 0;
  rtts.forEach((r, i) => {
    sum += r;
    min = Math.min(min, r);
    max = Math.max(max, r);
    if (i > 0) jitterSum += Math.abs(r - (rtts[i - 1] ?? r));
  });
  const jitterMs = rtts.length > 1 ? jitterSum / (rtts.length - 1) : 0;
  return {
    meanMs: round2(sum / rtts.length),
    minMs: round2(min),
    maxMs: round2(max),
    jitterMs: round2(jitterMs),
  };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

export interface WindowStats {
  samples: number;
  lossRatio: number;
  rtt: RttStats | null;
}

export function windowStats(w: TargetWindow): WindowStats {
  const rtts = w.samples.flatMap((s) => (s.rttMs === null ? [] : [s.rttMs]));
  const n = w.samples.length;
  return { samples: n, lossRatio: n === 0 ? 0 : (n - rtts.length) / n, rtt: rttStats(rtts) };
}

/** Lower median: with 3 targets the middle one, with 2 the better one, so one odd target never decides. */
export function lowerMedian(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? null;
}

/** The link's figures: loss and RTT are lower medians over targets; min/max pooled, jitter averaged. */
export function linkStats(windows: readonly TargetWindow[]): WindowStats & { rttMs: number | null } {
  const per = windows.map(windowStats).filter((s) => s.samples > 0);
  const withRtt = per.flatMap((s) => (s.rtt === null ? [] : [s.rtt]));
  const rtt: RttStats | null =
    withRtt.length === 0
      ? null
      : {
          meanMs: round2(withRtt.reduce((a, r) => a + r.meanMs, 0) / withRtt.length),
          minMs: Math.min(...withRtt.map((r) => r.minMs)),
          maxMs: Math.max(...withRtt.map((r) => r.maxMs)),
          jitterMs: round2(withRtt.reduce((a, r) => a + r.jitterMs, 0) / withRtt.length),
        };
  return {
    samples: per.reduce((a, s) => a + s.samples, 0),
    lossRatio: lowerMedian(per.map((s) => s.lossRatio)) ?? 0,
    rttMs: lowerMedian(withRtt.map((r) => r.meanMs)),
    rtt,
  };
}
