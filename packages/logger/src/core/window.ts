import { parseDurationMs, WanpilotError } from "@wanpilot/common";
import type { ReportWindow } from "./report.js";

/** A window bound as given on the command line or by a caller. */
export type TimeBound = string | number | Date;

export const DEFAULT_SINCE = "7d";

/**
 * "7d" / "90m" (that long before now), an ISO date, epoch milliseconds or a Date → epoch milliseconds.
 * USAGE error for anything else.
 */
export function resolveBound(bound: TimeBound, nowMs: number, flag: string): number {
  if (bound instanceof Date) return bound.getTime();
  if (typeof bound === "number") return bound;
  if (bound.trim() === "now") return nowMs;
  const agoMs = parseDurationMs(bound);
  if (agoMs !== undefined && /[a-z]\s*$/.test(bound)) return nowMs - agoMs;
  const atMs = Date.parse(bound);
  if (Number.isNaN(atMs))
    throw new WanpilotError(
      "USAGE",
      `${flag} ${JSON.stringify(bound)} is neither a duration (7d, 12h, 30m) nor a date (2026-11-29T10:00:00Z)`,
    );
  return atMs;
}

/** The report window: since defaults to 7 days ago, until to now; the future is never counted. */
export function resolveWindow(opts: { since?: TimeBound; until?: TimeBound }, nowMs: number): ReportWindow {
  const sinceMs = resolveBound(opts.since ?? DEFAULT_SINCE, nowMs, "--since");
  const untilMs = Math.min(resolveBound(opts.until ?? nowMs, nowMs, "--until"), nowMs);
  if (untilMs < sinceMs)
    throw new WanpilotError(
      "USAGE",
      `--until (${new Date(untilMs).toISOString()}) is before --since (${new Date(sinceMs).toISOString()})`,
    );
  return { sinceMs, untilMs };
}
