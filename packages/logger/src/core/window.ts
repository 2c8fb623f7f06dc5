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
  // A bare number is a duration without its unit, never a date (Date.parse("5") is 2001-05-01).
  if (/^\s*\d+(\.\d+)?\s*$/.test(bound))
    throw new WanpilotError(
      "USAGE",
      `${flag} ${JSON.stringify(bound)} has no unit: write ${bound.trim()}d, ${bound.trim()}h or ${bound.trim()}m for that long ago, or a date (2026-11-29)`,
    );
  // Only ISO dates: Date.parse takes "5 May" or "1/2" in ways nobody means.
  const atMs = /^\d{4}-\d{2}-\d{2}/.test(bound.trim()) ? Date.parse(bound) : Number.NaN;
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
