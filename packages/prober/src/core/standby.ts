import type { LinkStateName, RouterState } from "@wanpilot/common";

/**
 * Whether a link probes at its full rate or at the standby rate. A pure core: what the bus says about the
 * router and the other links goes in, the rate and why come out. Full rate is the safe side: anything
 * unknown (no bus, no router, no verdict yet) keeps it.
 */
export type ProbeRate = "full" | "standby";

export interface RateParams {
  link: string;
  /** Each link's configured tier (the router's state carries operator overrides of it). */
  tiers: Readonly<Record<string, number>>;
  /** Standby only after the reasons for it have held this long (a lower tier that just recovered may fail again). */
  holdMs: number;
  /** false when standby_interval equals interval: there is nothing to switch. */
  enabled: boolean;
  /**
   * The family this rate is for (default ipv4). The IPv6 judge reads the router's IPv6 half: IPv6's default
   * route and each link's IPv6 verdict; peers are then the links' IPv6 states.
   */
  family?: "ipv4" | "ipv6";
}

/** What the prober knows from the bus and from its own machine. */
export interface RateView {
  busConnected: boolean;
  /** The router's availability (its last will says offline); null until heard. */
  routerOnline: boolean | null;
  /** The router's last state since the bus (re)connected. */
  router: RouterState | null;
  /** The other links' states as their probers published them. */
  peers: Readonly<Record<string, LinkStateName>>;
  /** This link's own verdict. */
  own: LinkStateName;
}

export interface RateMachine {
  rate: ProbeRate;
  reason: string;
  sinceMs: number;
  view: RateView;
  /** Since when standby has been allowed without a break; null while it is not. */
  calmSinceMs: number | null;
  /** The links carrying traffic (route and rules) when calm began: any change of it restarts the hold. */
  activeSet: string;
}

export type RateInput =
  | { kind: "bus"; atMs: number; connected: boolean }
  | { kind: "routerOnline"; atMs: number; online: boolean }
  | { kind: "routerState"; atMs: number; state: RouterState }
  | { kind: "peer"; atMs: number; link: string; state: LinkStateName }
  | { kind: "own"; atMs: number; state: LinkStateName }
  | { kind: "tick"; atMs: number };

export interface RateStep {
  machine: RateMachine;
  /** Set when the rate changed: the adapter retimes the probes. */
  change: { from: ProbeRate; to: ProbeRate; reason: string } | null;
  /** Evaluate again at this time (a tick) even if nothing arrives: the hold ends then. */
  wakeAtMs: number | null;
}

export function initialRate(nowMs: number): RateMachine {
  return {
    rate: "full",
    reason: "starting",
    sinceMs: nowMs,
    view: { busConnected: true, routerOnline: null, router: null, peers: {}, own: "unknown" },
    calmSinceMs: null,
    activeSet: "",
  };
}

/** The links that carry traffic in the router's state: the default route's and the rules' active ones. */
export function activeSet(router: RouterState | null): string {
  if (router === null) return "";
  const route = router.defaultRoute.nexthops.map((n) => n.link);
  const rules = router.rules.flatMap((r) => (r.active === null ? [] : [r.active]));
  return [...new Set([...route, ...rules])].sort().join(",");
}

/**
 * The router's state as the IPv6 judge weighs it: IPv6's default route, and each link's IPv6 state, route
 * membership and weight; a link's override and staleness count for both families. Links without IPv6 are
 * left out (they carry no IPv6), and so are rules whose active link has none; a rule without addresses
 * counts by its IPv6 link (`active6`). Null without an IPv6 half.
 */
export function ipv6RouterView(r: RouterState): RouterState | null {
  const v6 = r.ipv6;
  if (v6 === undefined) return null;
  const ipv4 = new Map(r.links.map((l) => [l.link, l]));
  const links = v6.links.flatMap((l) => {
    const base = ipv4.get(l.link);
    return base === undefined ? [] : [{ ...base, ...l }];
  });
  const has6 = new Set(links.map((l) => l.link));
  // A rule without addresses carries its IPv6 by `active6`; an IPv6 rule's `active` is IPv6's already.
  const rules = r.rules
    .map((rule) => (rule.active6 === undefined ? rule : { ...rule, active: rule.active6 }))
    .filter((rule) => rule.active === null || has6.has(rule.active));
  return { ...r, defaultRoute: v6.defaultRoute, links, rules };
}

/** Would the link be allowed on standby now, and why (or why not)? Ignores the hold. */
export function standbyVerdict(p: RateParams, v: RateView): { standby: boolean; reason: string } {
  const full = (reason: string) => ({ standby: false, reason });
  if (!p.enabled) return full("standby_interval equals interval");
  if (!v.busConnected) return full("bus down");
  if (v.routerOnline !== true) return full("router not online");
  if (v.router === null) return full("no router state yet");
  if (v.own === "unknown") return full("no verdict on this link yet");
  const views = v.router.links;
  const me = views.find((l) => l.link === p.link);
  if (me === undefined) return full("the router does not list this link");
  if (activeSet(v.router).split(",").includes(p.link)) return full("carrying traffic");
  if (me.stale) return full("the router has not heard this prober lately");
  if (me.override?.admin != null)
    return {
      standby: true,
      reason: `${me.override.admin === "drain" ? "drained" : "disabled"} by the operator`,
    };
  const tierOf = (l: (typeof views)[number]) => l.override?.tier ?? p.tiers[l.link] ?? 1;
  const mine = tierOf(me);
  const route = v.router.defaultRoute;
  if (route.mode !== "balanced" || route.tier === null) return full(`default route ${route.mode}`);
  // Not in the route at or below the active tier: this link is out because it failed; watch for its return.
  if (route.tier >= mine) return full(`tier ${mine} is the active tier`);
  for (const l of views) {
    if (l.link === p.link || l.override?.admin != null || tierOf(l) >= mine) continue;
    const peer = v.peers[l.link];
    if (l.stale) return full(`${l.link} (tier ${tierOf(l)}) is stale`);
    if (l.state !== "up") return full(`${l.link} (tier ${tierOf(l)}) is ${l.state}`);
    if (peer !== undefined && peer !== "up") return full(`${l.link} (tier ${tierOf(l)}) is ${peer}`);
  }
  return { standby: true, reason: `tier ${route.tier} carries the traffic, this link is tier ${mine}` };
}

function withInput(p: RateParams, v: RateView, input: RateInput): RateView {
  switch (input.kind) {
    case "bus":
      // What was heard before a reconnect may have changed unseen: start over from what comes next.
      return input.connected
        ? { ...v, busConnected: true }
        : { ...v, busConnected: false, routerOnline: null, router: null, peers: {} };
    case "routerOnline":
      return input.online ? { ...v, routerOnline: true } : { ...v, routerOnline: false, router: null };
    case "routerState":
      return { ...v, router: p.family === "ipv6" ? ipv6RouterView(input.state) : input.state };
    case "peer":
      return { ...v, peers: { ...v.peers, [input.link]: input.state } };
    case "own":
      return { ...v, own: input.state };
    case "tick":
      return v;
  }
}

/** The pure transition: full at once when the link may be needed, standby once allowed for `holdMs`. */
export function rateStep(p: RateParams, m: RateMachine, input: RateInput): RateStep {
  if (input.kind === "peer" && input.link === p.link) return { machine: m, change: null, wakeAtMs: null };
  const at = input.atMs;
  const view = withInput(p, m.view, input);
  const verdict = standbyVerdict(p, view);
  const set = activeSet(view.router);
  const setChanged = set !== m.activeSet;
  const calmSinceMs = !verdict.standby ? null : m.calmSinceMs !== null && !setChanged ? m.calmSinceMs : at;
  const next: RateMachine = { ...m, view, calmSinceMs, activeSet: set };
  const to: ProbeRate = calmSinceMs !== null && at - calmSinceMs >= p.holdMs ? "standby" : "full";
  const wakeAtMs = to === "full" && calmSinceMs !== null ? calmSinceMs + p.holdMs : null;
  if (to === m.rate) return { machine: next, change: null, wakeAtMs };
  const reason =
    verdict.standby && setChanged
      ? `the links carrying traffic changed (now ${set || "none"})`
      : verdict.reason;
  return {
    machine: { ...next, rate: to, reason, sinceMs: at },
    change: { from: m.rate, to, reason },
    wakeAtMs,
  };
}
