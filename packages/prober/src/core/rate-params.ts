import type { DecisionParams } from "./params.js";

/** The quality window never grows past the config's own maximum for `window`. */
const MAX_WINDOW_MS = 3_600_000;

/**
 * The decision params at another probe interval. Down and up stay counted in rounds and the timeout stays:
 * a round at the standby rate is judged like one at full rate, so the false-down odds per round are the
 * same (and per hour lower). The quality window stretches with the interval so it holds as many probes as
 * at full rate: loss over a handful of samples would call a healthy link degraded.
 */
export function paramsAtInterval(p: DecisionParams, intervalMs: number): DecisionParams {
  if (intervalMs === p.intervalMs) return p;
  const stretched = Math.round((p.windowMs * intervalMs) / p.intervalMs);
  return { ...p, intervalMs, windowMs: Math.min(MAX_WINDOW_MS, Math.max(p.windowMs, stretched)) };
}
