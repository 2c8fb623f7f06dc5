/** A doubling delay: the first failure waits `firstDelayMs`, each further one in a row twice as long, up to `maxDelayMs`. */
export interface Backoff {
  firstDelayMs: number;
  maxDelayMs: number;
}

/** The delay after the n-th failure in a row (n ≥ 1): first, 2×, 4×… capped. */
export function backoffMs(failures: number, policy: Backoff): number {
  const exp = Math.max(0, failures - 1);
  return Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** Math.min(exp, 30));
}
