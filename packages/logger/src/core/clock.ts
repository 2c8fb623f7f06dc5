import type { TransitionRecord } from "./report.js";

/** A step of the wall clock found between two events of one boot (NTP after a boot without RTC). */
export interface ClockStep {
  boot: string;
  /** When it happened, on the corrected time line. */
  atMs: number;
  /** How far the wall clock jumped (positive: forward). */
  stepMs: number;
}

/** Wall and monotonic time may disagree by this much without a step (uptime's 10 ms, NTP slewing). */
export const STEP_THRESHOLD_MS = 2000;

/**
 * Wall times corrected by time since boot: within one boot, the durations between events are those of
 * the monotonic clock, anchored at the boot's latest event (the latest reading of the wall clock, so
 * the one most likely set by NTP). Every jump between two events of a boot is returned as a step.
 * Events without boot information keep their wall time. Pure.
 */
export function correctClock(
  records: readonly TransitionRecord[],
  thresholdMs = STEP_THRESHOLD_MS,
): { records: TransitionRecord[]; steps: ClockStep[] } {
  const boots = new Map<string, TransitionRecord[]>();
  for (const r of records)
    if (typeof r.boot === "string" && typeof r.bootMs === "number")
      boots.set(r.boot, [...(boots.get(r.boot) ?? []), r]);
  const corrected = new Map<string, number>();
  const steps: ClockStep[] = [];
  for (const [boot, list] of boots) {
    const seq = [...list].sort((a, b) => (a.bootMs as number) - (b.bootMs as number));
    const anchor = seq.at(-1) as TransitionRecord;
    const at = (r: TransitionRecord) => anchor.atMs - ((anchor.bootMs as number) - (r.bootMs as number));
    seq.forEach((r, i) => {
      corrected.set(r.id, at(r));
      const prev = seq[i - 1];
      if (prev === undefined) return;
      const stepMs = r.atMs - prev.atMs - ((r.bootMs as number) - (prev.bootMs as number));
      if (Math.abs(stepMs) > thresholdMs) steps.push({ boot, atMs: at(r), stepMs });
    });
  }
  const out = records
    .map((r) => ({ ...r, atMs: corrected.get(r.id) ?? r.atMs }))
    .sort((a, b) => a.atMs - b.atMs);
  return { records: out, steps };
}
