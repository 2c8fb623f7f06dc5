import {
  type Availability,
  componentId,
  type LinkHealth,
  type LinkState,
  type LinkState6,
  type LinkTransition,
  type PartMetrics,
  partComponents,
  type RouteChange,
  type RouterState,
  type SupervisorState,
  type WanpilotConfig,
} from "@wanpilot/common";

/** Events are resent until the logger acks them: this many recent ids are remembered so each counts once. */
export const SEEN_IDS_MAX = 5000;

/** Everything the observer has learned from the bus; folded by pure functions, read by the views. */
export interface ObserverState {
  links: Map<string, LinkState>;
  /** Each IPv6 link's IPv6 state (absent in states built before IPv6). */
  links6?: Map<string, LinkState6>;
  health: Map<string, LinkHealth>;
  /** Each IPv6 link's last IPv6 health (`link/<name>/ipv6/health`; absent in states built before it). */
  health6?: Map<string, LinkHealth>;
  router: RouterState | undefined;
  supervisor: SupervisorState | undefined;
  /** componentId → availability */
  availability: Map<string, Availability>;
  /** componentId → the part's last metrics and when (observer's clock, ms) they arrived */
  parts: Map<string, { metrics: PartMetrics; receivedAtMs: number }>;
  counters: EventCounters;
}

export interface EventCounters {
  /** `${link}\u0000${to}` → count */
  transitions: Map<string, number>;
  routeChanges: number;
  /** link → connections flushed */
  flushed: Map<string, number>;
  seen: Set<string>;
}

export function emptyState(): ObserverState {
  return {
    links: new Map(),
    links6: new Map(),
    health: new Map(),
    health6: new Map(),
    router: undefined,
    supervisor: undefined,
    availability: new Map(),
    parts: new Map(),
    counters: { transitions: new Map(), routeChanges: 0, flushed: new Map(), seen: new Set() },
  };
}

/** False for an id already counted; remembers it otherwise (oldest forgotten beyond SEEN_IDS_MAX). */
function firstTime(c: EventCounters, id: string): boolean {
  if (c.seen.has(id)) return false;
  c.seen.add(id);
  if (c.seen.size > SEEN_IDS_MAX) {
    const oldest = c.seen.values().next().value;
    if (oldest !== undefined) c.seen.delete(oldest);
  }
  return true;
}

export function countTransition(c: EventCounters, t: LinkTransition): void {
  if (!firstTime(c, t.id)) return;
  const key = `${t.link}\u0000${t.to}`;
  c.transitions.set(key, (c.transitions.get(key) ?? 0) + 1);
}

export function countRouteChange(c: EventCounters, r: RouteChange): void {
  if (!firstTime(c, r.id)) return;
  c.routeChanges++;
  for (const f of r.flushed) c.flushed.set(f.link, (c.flushed.get(f.link) ?? 0) + f.connections);
}

/** The parts a config runs, by component id (the supervisor only under `wanpilot start`). */
export function expectedParts(config: WanpilotConfig): string[] {
  return partComponents(config.links.map((l) => l.name)).map(componentId);
}

/** A part's metrics count while it is online and its last report is under three periods old. */
export function freshParts(s: ObserverState, nowMs: number): Array<[string, PartMetrics]> {
  return [...s.parts]
    .filter(
      ([id, p]) => s.availability.get(id) === "online" && nowMs - p.receivedAtMs <= 3 * p.metrics.everyMs,
    )
    .map(([id, p]) => [id, p.metrics]);
}
