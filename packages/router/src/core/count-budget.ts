/**
 * Counting tracked connections per link costs time in proportion to the conntrack table (the kernel
 * walks it once per link mark): ~0.1 s for 100,000 entries here, seconds with millions. The counts only
 * feed `wanpilot status` (each link's share), so they are refreshed as often as a CPU budget allows:
 * never more often than `minIntervalMs`, and a count that took `d` ms waits `d / budget` before the next.
 */
export interface CountBudget {
  /** The shortest time between two counts (the small table's refresh). */
  minIntervalMs: number;
  /** The share of one core counting may use on average (0.005 = 0.5 %). */
  budget: number;
  /** The longest wait, so a count stays within minutes however slow the last one was. */
  maxIntervalMs: number;
}

export const DEFAULT_COUNT_BUDGET: CountBudget = {
  minIntervalMs: 5_000,
  budget: 0.005,
  maxIntervalMs: 300_000,
};

/** The last count: when it started and how long it took (monotonic ms). */
export interface LastCount {
  startedAtMs: number;
  durationMs: number;
}

/** How long after the last count's start the next one may run. */
export function countIntervalMs(last: LastCount, b: CountBudget = DEFAULT_COUNT_BUDGET): number {
  return Math.min(b.maxIntervalMs, Math.max(b.minIntervalMs, last.durationMs / b.budget));
}

/** Whether a count asked for at `nowMs` runs, or the last counts are shown again. */
export function countDue(
  nowMs: number,
  last: LastCount | null,
  b: CountBudget = DEFAULT_COUNT_BUDGET,
): boolean {
  return last === null || nowMs - last.startedAtMs >= countIntervalMs(last, b);
}
