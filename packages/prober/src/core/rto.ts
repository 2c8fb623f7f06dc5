/**
 * Each target's probe timeout, derived from its measured RTTs the way TCP derives its retransmission timer
 * (RFC 6298): smoothed RTT plus k times its mean deviation, within a floor and a ceiling. Before the first
 * reply the ceiling applies: a link is never judged on a guess.
 */
export interface RttEstimate {
  srttMs: number;
  rttvarMs: number;
  samples: number;
}

export interface TimeoutBounds {
  /** Floor: jitter and scheduling on a link whose RTT is a fraction of a millisecond. */
  minMs: number;
  /** Ceiling, and the timeout before any reply: the slowest answer that still counts. */
  maxMs: number;
  /** Multiple of the RTT variation added to the smoothed RTT (RFC 6298: 4). */
  k: number;
}

/** RFC 6298's gains: α = 1/8 for the mean, β = 1/4 for the deviation. */
const ALPHA = 1 / 8;
const BETA = 1 / 4;

/** One RTT sample into the estimate (RFC 6298 §2.2 and §2.3). */
export function observeRtt(e: RttEstimate | null, rttMs: number): RttEstimate {
  if (e === null) return { srttMs: rttMs, rttvarMs: rttMs / 2, samples: 1 };
  return {
    srttMs: (1 - ALPHA) * e.srttMs + ALPHA * rttMs,
    rttvarMs: (1 - BETA) * e.rttvarMs + BETA * Math.abs(e.srttMs - rttMs),
    samples: e.samples + 1,
  };
}

/** The timeout a probe of this target gets now. */
export function adaptiveTimeout(e: RttEstimate | null, b: TimeoutBounds): number {
  if (e === null) return b.maxMs;
  const raw = e.srttMs + b.k * e.rttvarMs;
  return Math.min(b.maxMs, Math.max(b.minMs, Math.ceil(raw)));
}
