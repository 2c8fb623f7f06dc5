import type { LinkStateName, RouterState } from "@wanpilot/common";
import { describe, expect, it } from "vitest";
import {
  initialRate,
  ipv6RouterView,
  type RateInput,
  type RateParams,
  rateStep,
  standbyVerdict,
} from "./standby.js";

/** fibre and cable on tier 1, lte (this prober's link) on tier 2; the IPv6 judge's rate. */
const P6: RateParams = {
  link: "lte",
  tiers: { fibre: 1, cable: 1, lte: 2 },
  holdMs: 60_000,
  enabled: true,
  family: "ipv6",
};
const P4: RateParams = { ...P6, family: "ipv4" };

interface Family {
  /** Each link's state (default up); a link absent from `states6` has no IPv6. */
  states: Record<string, LinkStateName>;
  route: string[];
}

/** A router state with both halves: IPv4 all up over fibre and cable unless given, IPv6 as given. */
function router(
  v6: Partial<Family> & { states6?: Record<string, LinkStateName> } = {},
  v4: Partial<Family> = {},
  opts: { drained?: string; ruleActive?: string | null; ruleActive6?: string | null } = {},
): RouterState {
  const states4 = { fibre: "up", cable: "up", lte: "up", ...v4.states } as Record<string, LinkStateName>;
  const route4 = v4.route ?? ["fibre", "cable"];
  const states6 = v6.states6 ?? { fibre: "up", cable: "up", lte: "up" };
  const route6 = v6.route ?? ["fibre", "cable"].filter((l) => l in states6);
  const def = (route: string[]) => ({
    tier: route.length === 0 ? null : Math.min(...route.map((l) => P6.tiers[l] ?? 1)),
    nexthops: route.map((link) => ({ link, weight: 1 })),
    mode: route.length === 0 ? ("all-down-keep" as const) : ("balanced" as const),
  });
  const at = "2026-12-01T08:00:00.000Z";
  return {
    at,
    defaultRoute: def(route4),
    links: Object.entries(states4).map(([link, state], i) => ({
      link,
      state,
      table: 101 + i,
      active: route4.includes(link),
      weight: route4.includes(link) ? 1 : 0,
      connections: 0,
      stale: false,
      override:
        opts.drained === link ? { admin: "drain" as const, weight: null, tier: null, since: at } : null,
    })),
    rules:
      opts.ruleActive === undefined
        ? []
        : [
            {
              name: "r",
              via: ["lte", "fibre"],
              active: opts.ruleActive,
              ...(opts.ruleActive6 === undefined ? {} : { active6: opts.ruleActive6 }),
            },
          ],
    lastChange: null,
    ipv6: {
      defaultRoute: def(route6),
      links: Object.entries(states6).map(([link, state]) => ({
        link,
        state,
        active: route6.includes(link),
        weight: route6.includes(link) ? 1 : 0,
        connections: 0,
      })),
    },
  };
}

const view = (r: RouterState, p: RateParams, peers: Record<string, LinkStateName> = {}) => ({
  busConnected: true,
  routerOnline: true,
  router: p.family === "ipv6" ? ipv6RouterView(r) : r,
  peers,
  own: "up" as const,
});

describe("standby verdict per family: the IPv6 judge weighs IPv6's route and verdicts", () => {
  it.each<{
    name: string;
    router: RouterState;
    peers?: Record<string, LinkStateName>;
    v4: string;
    v6: string;
  }>([
    {
      name: "both families carried by tier 1: both judges on standby",
      router: router(),
      v4: "standby: tier 1 carries the traffic, this link is tier 2",
      v6: "standby: tier 1 carries the traffic, this link is tier 2",
    },
    {
      name: "fibre's IPv6 down (IPv4 fine): only the IPv6 judge goes to full rate",
      router: router({ states6: { fibre: "down", cable: "up", lte: "up" }, route: ["cable"] }),
      v4: "standby: tier 1 carries the traffic, this link is tier 2",
      v6: "full: fibre (tier 1) is down",
    },
    {
      name: "every tier-1 IPv6 down: lte carries IPv6, its IPv6 judge at full rate, its IPv4 one on standby",
      router: router({ states6: { fibre: "down", cable: "down", lte: "up" }, route: ["lte"] }),
      v4: "standby: tier 1 carries the traffic, this link is tier 2",
      v6: "full: carrying traffic",
    },
    {
      name: "fibre's IPv4 down: only the IPv4 judge goes to full rate",
      router: router({}, { states: { fibre: "down" }, route: ["cable"] }),
      v4: "full: fibre (tier 1) is down",
      v6: "standby: tier 1 carries the traffic, this link is tier 2",
    },
    {
      name: "a tier-1 prober's IPv6 verdict ahead of the router",
      router: router(),
      peers: { fibre: "up", cable: "degraded" },
      v4: "full: cable (tier 1) is degraded",
      v6: "full: cable (tier 1) is degraded",
    },
    {
      name: "a tier-1 link without IPv6 does not hold the IPv6 judge",
      router: router(
        { states6: { fibre: "up", lte: "up" } },
        { states: { cable: "down" }, route: ["fibre"] },
      ),
      v4: "full: cable (tier 1) is down",
      v6: "standby: tier 1 carries the traffic, this link is tier 2",
    },
    {
      name: "drained by the operator: both families",
      router: router(
        { states6: { fibre: "down", cable: "down", lte: "up" }, route: [] },
        {},
        { drained: "lte" },
      ),
      v4: "standby: drained by the operator",
      v6: "standby: drained by the operator",
    },
    {
      name: "a rule without addresses carrying lte's IPv6 only (its IPv4 line on fibre)",
      router: router({}, {}, { ruleActive: "fibre", ruleActive6: "lte" }),
      v4: "standby: tier 1 carries the traffic, this link is tier 2",
      v6: "full: carrying traffic",
    },
    {
      name: "a rule's active link: carrying traffic in both families",
      router: router({}, {}, { ruleActive: "lte" }),
      v4: "full: carrying traffic",
      v6: "full: carrying traffic",
    },
  ])("$name", ({ router: r, peers, v4, v6 }) => {
    const said = (p: RateParams) => {
      const v = standbyVerdict(p, view(r, p, peers));
      return `${v.standby ? "standby" : "full"}: ${v.reason}`;
    };
    expect({ v4: said(P4), v6: said(P6) }).toEqual({ v4, v6 });
  });

  it("the router without an IPv6 half: the IPv6 judge stays at full rate", () => {
    const { ipv6: _, ...plain } = router();
    expect(ipv6RouterView(plain)).toBeNull();
    expect(standbyVerdict(P6, view(plain, P6))).toEqual({ standby: false, reason: "no router state yet" });
  });
});

describe("rate machine of the IPv6 judge", () => {
  const play = (p: RateParams, inputs: RateInput[]) => {
    let m = initialRate(0);
    const changes: string[] = [];
    for (const input of inputs) {
      const s = rateStep(p, m, input);
      m = s.machine;
      if (s.change !== null) changes.push(`${input.atMs} ${s.change.to}: ${s.change.reason}`);
    }
    return changes;
  };
  const settle: RateInput[] = [
    { kind: "routerOnline", atMs: 0, online: true },
    { kind: "routerState", atMs: 0, state: router() },
    { kind: "own", atMs: 0, state: "up" },
    { kind: "tick", atMs: 60_000 },
  ];

  it("standby after the hold, full at once when the router's IPv6 half loses a tier-1 link", () => {
    const lost = router({ states6: { fibre: "down", cable: "up", lte: "up" }, route: ["cable"] });
    const inputs: RateInput[] = [...settle, { kind: "routerState", atMs: 70_000, state: lost }];
    expect(play(P6, inputs)).toEqual([
      "60000 standby: tier 1 carries the traffic, this link is tier 2",
      "70000 full: fibre (tier 1) is down",
    ]);
    // The same router state leaves the IPv4 judge on standby.
    expect(play(P4, inputs)).toEqual(["60000 standby: tier 1 carries the traffic, this link is tier 2"]);
  });
});
