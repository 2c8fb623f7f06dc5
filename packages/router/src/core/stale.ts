/**
 * Stale links: a prober that stops (SIGSTOP, a hung process) leaves its retained state on the bus,
 * and that state must not be trusted forever. LinkHealth is the heartbeat; time is a parameter
 * (monotonic milliseconds), so the rule is table-tested without a clock.
 */

/**
 * Links whose last heartbeat is older than `boundMs` at `nowMs`. A heartbeat never seen counts from
 * `sinceMs` (the router's start or its last reconnect to the bus), so nothing is stale before a
 * prober had the time to send one.
 */
export function staleLinks(
  names: readonly string[],
  heartbeats: ReadonlyMap<string, number>,
  sinceMs: number,
  nowMs: number,
  boundMs: number,
): Set<string> {
  return new Set(names.filter((n) => nowMs - Math.max(sinceMs, heartbeats.get(n) ?? sinceMs) > boundMs));
}

export function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}

/** Why a reconcile runs for a change of the stale set, for the route change's reason. */
export function describeStale(before: ReadonlySet<string>, after: ReadonlySet<string>): string {
  const parts = [
    ...[...after].filter((n) => !before.has(n)).map((n) => `${n} stale: no heartbeat from its prober`),
    ...[...before].filter((n) => !after.has(n)).map((n) => `${n} heartbeat back`),
  ];
  return parts.join("; ");
}
