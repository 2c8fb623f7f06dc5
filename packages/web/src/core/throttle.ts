/** How many failed logins are allowed per window, per client address and for everyone together. */
export interface ThrottlePolicy {
  windowMs: number;
  perClient: number;
  overall: number;
}

export const LOGIN_POLICY: ThrottlePolicy = { windowMs: 60_000, perClient: 5, overall: 30 };

export type ThrottleVerdict = { ok: true } | { ok: false; retryAfterMs: number };

/**
 * Failed logins within a sliding window. Pure bookkeeping with the time passed in; the overall bound
 * keeps a guesser who rotates addresses as slow as one who does not.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();
  private all: number[] = [];

  constructor(private readonly policy: ThrottlePolicy = LOGIN_POLICY) {}

  /** May `client` try a password now? */
  check(client: string, nowMs: number): ThrottleVerdict {
    this.forget(nowMs);
    const mine = this.failures.get(client) ?? [];
    const limited = [
      mine.length >= this.policy.perClient ? mine : undefined,
      this.all.length >= this.policy.overall ? this.all : undefined,
    ].filter((l): l is number[] => l !== undefined);
    if (limited.length === 0) return { ok: true };
    const freeAtMs = Math.max(...limited.map((l) => (l[0] ?? nowMs) + this.policy.windowMs));
    return { ok: false, retryAfterMs: Math.max(1, freeAtMs - nowMs) };
  }

  failed(client: string, nowMs: number): void {
    this.failures.set(client, [...(this.failures.get(client) ?? []), nowMs]);
    this.all.push(nowMs);
  }

  private forget(nowMs: number): void {
    const from = nowMs - this.policy.windowMs;
    this.all = this.all.filter((t) => t > from);
    for (const [client, times] of this.failures) {
      const kept = times.filter((t) => t > from);
      if (kept.length === 0) this.failures.delete(client);
      else this.failures.set(client, kept);
    }
  }
}
