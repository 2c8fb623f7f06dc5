import type {
  Availability,
  DefaultRoute,
  LinkHealth,
  LinkOverride,
  LinkState,
  LinkStateName,
  RouterState,
  SupervisorState,
  WanpilotConfig,
} from "@wanpilot/common";

/** What the page knows from the bus: the last message of each kind. */
export interface LiveInputs {
  links: Map<string, LinkState>;
  health: Map<string, LinkHealth>;
  router: RouterState | undefined;
  supervisor: SupervisorState | undefined;
  availability: Map<string, Availability>;
}

export const emptyInputs = (): LiveInputs => ({
  links: new Map(),
  health: new Map(),
  router: undefined,
  supervisor: undefined,
  availability: new Map(),
});

export interface LiveLink {
  name: string;
  state: LinkStateName;
  /** ISO time the link entered its state; null before its prober said anything. */
  since: string | null;
  cause: string;
  rttMs: number | null;
  lossRatio: number | null;
  /** Its share of the connections the router counted (0..1); null while unknown. */
  connectionShare: number | null;
  connections: number | null;
  /** The weight in force (the operator's, or the config's). */
  weight: number;
  tier: number;
  /** In the default route now. */
  active: boolean;
  override: LinkOverride | null;
  /** Its prober went silent: the state shown is the last one it sent. */
  stale: boolean;
}

export interface LivePart {
  name: string;
  availability: Availability | "unknown";
  restarts: number | null;
}

/** The page's live view (sent whole on every change: a few hundred bytes per link). */
export interface LiveView {
  gateway: string;
  at: string;
  links: LiveLink[];
  defaultRoute: DefaultRoute | null;
  lastChange: { at: string; reason: string } | null;
  parts: LivePart[];
}

function share(connections: number | null, total: number | null): number | null {
  if (connections === null || total === null || total === 0) return null;
  return connections / total;
}

/** The live view from the config (links, tiers, weights) and the last bus messages. */
export function liveView(config: WanpilotConfig, inputs: LiveInputs, nowMs: number): LiveView {
  const routed = new Map((inputs.router?.links ?? []).map((l) => [l.link, l]));
  const counts = [...routed.values()].map((l) => l.connections);
  const total = counts.some((c) => c === null) ? null : counts.reduce<number>((a, c) => a + (c ?? 0), 0);
  const links = config.links.map((cfg): LiveLink => {
    const s = inputs.links.get(cfg.name);
    const h = inputs.health.get(cfg.name);
    const r = routed.get(cfg.name);
    const override = r?.override ?? null;
    return {
      name: cfg.name,
      state: s?.state ?? "unknown",
      since: s?.since ?? null,
      cause: s?.cause ?? "no state from its prober yet",
      // The heartbeat's window is fresher than the retained state's figures.
      rttMs: h?.rtt?.meanMs ?? s?.rttMs ?? null,
      lossRatio: h?.lossRatio ?? s?.lossRatio ?? null,
      connections: r?.connections ?? null,
      connectionShare: share(r?.connections ?? null, total),
      weight: override?.weight ?? cfg.weight,
      tier: override?.tier ?? cfg.tier,
      active: r?.active ?? false,
      override,
      stale: r?.stale ?? false,
    };
  });
  const processes = new Map((inputs.supervisor?.processes ?? []).map((p) => [p.name, p]));
  const names = [...new Set([...inputs.availability.keys(), ...processes.keys()])].sort();
  return {
    gateway: config.gateway,
    at: new Date(nowMs).toISOString(),
    links,
    defaultRoute: inputs.router?.defaultRoute ?? null,
    lastChange: inputs.router?.lastChange ?? null,
    parts: names.map((name) => ({
      name,
      availability: inputs.availability.get(name) ?? "unknown",
      restarts: processes.get(name)?.restarts ?? null,
    })),
  };
}
