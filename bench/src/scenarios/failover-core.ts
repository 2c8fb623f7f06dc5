import type { Attempt } from "../scripts/connect-loop.js";

/** What one failover trial observed, all epoch ms. */
export interface TrialObservation {
  cutAt: number;
  /** The system declared the link down (LinkState.since, or the recipe's decision). */
  downAt: number | null;
  /** The system says it changed the kernel (RouteChange.at / lastChange.at, or the recipe's `ip route` done). */
  kernelAt: number | null;
  /** `ip monitor` saw the first routing change after the down. */
  kernelSeenAt: number | null;
  /** A subscriber received the down message (wanpilot only). */
  downMessageAt?: number;
  restoreAt: number | null;
  upAt: number | null;
  /** The LAN client's attempts during the trial. */
  attempts: readonly Attempt[];
}

export interface TrialTimes {
  cutToDownMs: number | null;
  downToKernelMs: number | null;
  downToKernelSeenMs: number | null;
  /** The down message on the bus → `ip monitor` saw the change. */
  messageToKernelMs: number | null;
  cutToLastFailureMs: number | null;
  restoreToUpMs: number | null;
  attempts: number;
  failedAfterCut: number;
}

const diff = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : a - b);

/**
 * Cut → the last failed new connection: the start of the last attempt begun at or after the cut that
 * failed (0 when none did). Attempts begun before the cut are not counted (they were not "new" to the outage).
 */
export function lastFailureMs(attempts: readonly Attempt[], cutAt: number): number {
  let last = cutAt;
  for (const a of attempts) if (!a.ok && a.t >= cutAt && a.t > last) last = a.t;
  return last - cutAt;
}

export function trialTimes(o: TrialObservation): TrialTimes {
  const after = o.attempts.filter((a) => a.t >= o.cutAt);
  return {
    cutToDownMs: diff(o.downAt, o.cutAt),
    downToKernelMs: diff(o.kernelAt, o.downAt),
    downToKernelSeenMs: diff(o.kernelSeenAt, o.downAt),
    messageToKernelMs: diff(o.kernelSeenAt, o.downMessageAt ?? null),
    cutToLastFailureMs: o.attempts.length === 0 ? null : lastFailureMs(o.attempts, o.cutAt),
    restoreToUpMs: diff(o.upAt, o.restoreAt),
    attempts: o.attempts.length,
    failedAfterCut: after.filter((a) => !a.ok).length,
  };
}

/** Share of failed attempts among those begun in [from, to), 0..1; null when there were none. */
export function failureRatio(attempts: readonly Attempt[], from: number, to: number): number | null {
  const inWindow = attempts.filter((a) => a.t >= from && a.t < to);
  if (inWindow.length === 0) return null;
  return inWindow.filter((a) => !a.ok).length / inWindow.length;
}

/** Values of one field over trials, dropping the ones that were not measured. */
export function column(times: readonly TrialTimes[], key: keyof TrialTimes): number[] {
  return times.map((t) => t[key]).filter((v): v is number => v !== null);
}
