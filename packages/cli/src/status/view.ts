import {
  type Availability,
  componentId,
  type LinkHealth,
  type LinkOverride,
  type LinkState,
  type LinkState6,
  latestMeasures,
  linkAddresses,
  partComponents,
  type RouterState,
  type SupervisorState,
  type WanpilotConfig,
} from "@wanpilot/common";
import { type StatusLink6, statusIpv6 } from "./view6.js";

/** Everything `wanpilot status` learned from the bus's retained messages (and the health heard meanwhile). */
export interface RetainedSnapshot {
  links: Map<string, LinkState>;
  /** Each IPv6 link's IPv6 state (absent in snapshots that predate IPv6). */
  links6?: Map<string, LinkState6>;
  /** The last LinkHealth heard per link: the current RTT and loss (LinkState's are those of its last change). */
  health: Map<string, LinkHealth>;
  /** The last IPv6 LinkHealth heard per IPv6 link (`link/<name>/ipv6/health`). */
  health6?: Map<string, LinkHealth>;
  router: RouterState | undefined;
  supervisor: SupervisorState | undefined;
  /** componentId → availability */
  availability: Map<string, Availability>;
}

export interface StatusLink {
  name: string;
  interface: string;
  state: LinkState["state"];
  /** Its prober's heartbeat is overdue (the router says so): `state` is the last it sent. */
  stale: boolean;
  since: string | null;
  cause: string | null;
  rttMs: number | null;
  lossRatio: number | null;
  weight: number;
  tier: number;
  /** Carries new connections now (in the default route). */
  active: boolean;
  /** Tracked connections on this link (conntrack, by mark); null when unknown. */
  connections: number | null;
  /** Share of the tracked connections, 0..1; null when unknown. */
  share: number | null;
  source: string | null;
  gateway: string | null;
  /** The operator's override in force (`wanpilot link`); null when none. */
  override: LinkOverride | null;
  /** The link's IPv6 (its own state, weight, connections), when `ipv6` is on; every field above is IPv4's. */
  ipv6?: StatusLink6;
}

/** "disable", "drain, weight 8", "-": the OVERRIDE column and `wanpilot link`'s list. */
export function describeOverride(o: LinkOverride | null): string {
  if (o === null) return "-";
  const parts = [
    o.admin,
    o.weight === null ? null : `weight ${o.weight}`,
    o.tier === null ? null : `tier ${o.tier}`,
  ];
  return parts.filter((p) => p !== null).join(", ") || "-";
}

export interface StatusView {
  gateway: string;
  links: StatusLink[];
  defaultRoute: RouterState["defaultRoute"] | null;
  processes: Record<
    string,
    { availability: Availability | "unknown"; restarts: number | null; pid: number | null }
  >;
  /** Objects in wanpilot's ranges that it did not create (the router leaves them alone). */
  foreign?: string[];
  /** IPv6's default route, when some link has `ipv6` on (`defaultRoute` is IPv4's). */
  ipv6?: { defaultRoute: RouterState["defaultRoute"] | null };
}

/**
 * Everything the table needs has arrived: each link's state (and IPv6 state and health) and a heartbeat (its RTT and loss now: the state's
 * are those of its last change, 100 % loss for a link that came up at start), the router's state, each part's
 * availability. The supervisor's are not required: with the parts as their own units there is none.
 */
export function statusComplete(config: WanpilotConfig): (snap: RetainedSnapshot) => boolean {
  const parts = partComponents(config.links.map((l) => l.name)).map(componentId);
  return (snap) =>
    snap.router !== undefined &&
    config.links.every((l) => snap.links.has(l.name) && snap.health.has(l.name)) &&
    // IPv6's state and window too, for links with ipv6 on (the same part sends both families).
    config.links.every(
      (l) =>
        l.ipv6 === undefined || (snap.links6?.has(l.name) === true && snap.health6?.has(l.name) === true),
    ) &&
    parts.every((p) => snap.availability.has(p));
}

/** Pure: config + retained messages → what status shows. Config order, config weights unless the router says otherwise. */
export function buildStatusView(config: WanpilotConfig, snap: RetainedSnapshot): StatusView {
  const routed = new Map((snap.router?.links ?? []).map((l) => [l.link, l]));
  const total = [...routed.values()].reduce((sum, l) => sum + (l.connections ?? 0), 0);
  const v6 = statusIpv6(config, snap.links6 ?? new Map(), snap.router, snap.health6 ?? new Map());
  const links = config.links.map((cfg): StatusLink => {
    const st = snap.links.get(cfg.name);
    const r = routed.get(cfg.name);
    const connections = r?.connections ?? null;
    const measures = latestMeasures(st, snap.health.get(cfg.name));
    const addresses = linkAddresses(cfg, st);
    return {
      name: cfg.name,
      interface: cfg.interface,
      state: st?.state ?? "unknown",
      stale: r?.stale ?? false,
      since: st?.since ?? null,
      cause: st?.cause ?? null,
      rttMs: measures.rttMs,
      lossRatio: measures.lossRatio,
      weight: r?.weight ?? cfg.weight,
      tier: r?.override?.tier ?? cfg.tier,
      active: r?.active ?? false,
      connections,
      share: connections === null || total === 0 ? null : connections / total,
      source: addresses.source,
      gateway: addresses.gateway,
      override: r?.override ?? null,
      ...(v6?.links.has(cfg.name) ? { ipv6: v6.links.get(cfg.name) as StatusLink6 } : {}),
    };
  });
  const processes: StatusView["processes"] = {};
  const names = ["supervisor", ...partComponents(config.links.map((l) => l.name)).map(componentId)];
  for (const name of names) {
    const proc = snap.supervisor?.processes.find((p) => p.name === name);
    processes[name] = {
      availability: snap.availability.get(name) ?? "unknown",
      restarts: proc?.restarts ?? null,
      pid: proc?.pid ?? null,
    };
  }
  const foreign = snap.router?.foreign ?? [];
  return {
    gateway: config.gateway,
    links,
    defaultRoute: snap.router?.defaultRoute ?? null,
    processes,
    ...(foreign.length === 0 ? {} : { foreign }),
    ...(v6 === undefined ? {} : { ipv6: { defaultRoute: v6.defaultRoute } }),
  };
}
