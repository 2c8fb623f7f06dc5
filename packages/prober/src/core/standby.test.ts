import type { LinkStateName, RouterState } from "@wanpilot/common";
import { describe, expect, it } from "vitest";
import {
  initialRate,
  type RateInput,
  type RateMachine,
  type RateParams,
  type RateView,
  rateStep,
  standbyVerdict,
} from "./standby.js";

/** fibre and cable on tier 1, lte (this prober's link) on tier 2. */
const P: RateParams = { link: "lte", tiers: { fibre: 1, cable: 1, lte: 2 }, holdMs: 60_000, enabled: true };

interface LinkSpec {
  state?: LinkStateName;
  stale?: boolean;
  admin?: "drain" | "disable";
  tier?: number;
}

/** A router state: the links' states (default up), the default route over `route`, rules' active links. */
function router(
  links: Record<string, LinkSpec> = {},
  route: string[] = ["fibre", "cable"],
  ruleActive: (string | null)[] = [],
): RouterState {
  const all = { fibre: {}, cable: {}, lte: {}, ...links } as Record<string, LinkSpec>;
  const tiers = route.map((l) => all[l]?.tier ?? P.tiers[l] ?? 1);
  return {
    at: "2026-12-01T08:00:00.000Z",
    defaultRoute: {
      tier: route.length === 0 ? null : Math.min(...tiers),
      nexthops: route.map((link) => ({ link, weight: 1 })),
      mode: route.length === 0 ? "all-down-keep" : "balanced",
    },
    links: Object.entries(all).map(([link, s], i) => ({
      link,
      state: s.state ?? "up",
      table: 101 + i,
      active: route.includes(link),
      weight: route.includes(link) ? 1 : 0,
      connections: 0,
      stale: s.stale ?? false,
      override:
        s.admin === undefined && s.tier === undefined
          ? null
          : { admin: s.admin ?? null, weight: null, tier: s.tier ?? null, since: "2026-12-01T08:00:00.000Z" },
    })),
    rules: ruleActive.map((active, i) => ({ name: `r${i}`, via: ["lte", "fibre"], active })),
    lastChange: null,
  };
}

const calm: RateView = {
  busConnected: true,
  routerOnline: true,
  router: router(),
  peers: { fibre: "up", cable: "up" },
  own: "up",
};

describe("standby verdict: may this link probe at the standby rate?", () => {
  it.each<{
    name: string;
    view: Partial<RateView>;
    params?: Partial<RateParams>;
    standby: boolean;
    reason: string;
  }>([
    {
      name: "tier 1 up and carrying, this tier-2 link idle",
      view: {},
      standby: true,
      reason: "tier 1 carries the traffic, this link is tier 2",
    },
    {
      name: "its own verdict may be down: no traffic to lose",
      view: { own: "down" },
      standby: true,
      reason: "tier 1 carries the traffic, this link is tier 2",
    },
    {
      name: "standby switched off",
      view: {},
      params: { enabled: false },
      standby: false,
      reason: "standby_interval equals interval",
    },
    { name: "bus down", view: { busConnected: false }, standby: false, reason: "bus down" },
    { name: "router offline", view: { routerOnline: false }, standby: false, reason: "router not online" },
    {
      name: "router not heard yet",
      view: { routerOnline: null },
      standby: false,
      reason: "router not online",
    },
    { name: "no router state", view: { router: null }, standby: false, reason: "no router state yet" },
    {
      name: "no own verdict yet",
      view: { own: "unknown" },
      standby: false,
      reason: "no verdict on this link yet",
    },
    {
      name: "in the default route",
      view: { router: router({ fibre: { state: "down" }, cable: { state: "down" } }, ["lte"]) },
      standby: false,
      reason: "carrying traffic",
    },
    {
      name: "a rule's active link",
      view: { router: router({}, ["fibre", "cable"], ["lte"]) },
      standby: false,
      reason: "carrying traffic",
    },
    {
      name: "a lower-tier link degraded (router's view)",
      view: { router: router({ cable: { state: "degraded" } }) },
      standby: false,
      reason: "cable (tier 1) is degraded",
    },
    {
      name: "a lower-tier link down, out of the route",
      view: { router: router({ cable: { state: "down" } }, ["fibre"]) },
      standby: false,
      reason: "cable (tier 1) is down",
    },
    {
      name: "a lower-tier prober says down before the router has reacted",
      view: { peers: { fibre: "up", cable: "down" } },
      standby: false,
      reason: "cable (tier 1) is down",
    },
    {
      name: "a lower-tier link stale",
      view: { router: router({ fibre: { stale: true } }) },
      standby: false,
      reason: "fibre (tier 1) is stale",
    },
    {
      name: "a disabled lower-tier link does not count",
      view: {
        router: router({ cable: { admin: "disable", state: "up" } }, ["fibre"]),
        peers: { fibre: "up", cable: "down" },
      },
      standby: true,
      reason: "tier 1 carries the traffic, this link is tier 2",
    },
    {
      name: "this link drained by the operator",
      view: { router: router({ lte: { admin: "drain" } }) },
      standby: true,
      reason: "drained by the operator",
    },
    {
      name: "this link disabled, even with tier 1 down",
      view: {
        router: router({ fibre: { state: "down" }, cable: { state: "down" }, lte: { admin: "disable" } }, []),
      },
      standby: true,
      reason: "disabled by the operator",
    },
    {
      name: "every link down: the route is kept, not balanced",
      view: { router: router({ fibre: { state: "down" }, cable: { state: "down" } }, []) },
      standby: false,
      reason: "default route all-down-keep",
    },
    {
      name: "operator moved this link to tier 1: same tier as the route, out of it because it failed",
      view: { router: router({ lte: { tier: 1, state: "down" } }) },
      standby: false,
      reason: "tier 1 is the active tier",
    },
    {
      name: "operator moved cable to tier 3: above this link, it does not count",
      view: {
        router: router({ cable: { tier: 3, state: "down" } }, ["fibre"]),
        peers: { fibre: "up", cable: "down" },
      },
      standby: true,
      reason: "tier 1 carries the traffic, this link is tier 2",
    },
    {
      name: "the router does not know this link (a reload under way)",
      view: { router: { ...router(), links: router().links.filter((l) => l.link !== "lte") } },
      standby: false,
      reason: "the router does not list this link",
    },
    {
      name: "the router has not heard this prober",
      view: { router: router({ lte: { stale: true } }) },
      standby: false,
      reason: "the router has not heard this prober lately",
    },
  ])("$name → standby $standby", ({ view, params, standby, reason }) => {
    expect(standbyVerdict({ ...P, ...params }, { ...calm, ...view })).toEqual({ standby, reason });
  });
});

/** Feeds inputs at the given times; returns the machine and every rate change with its time. */
function play(inputs: RateInput[], start: RateMachine = initialRate(0)) {
  let m = start;
  const changes: { atMs: number; to: string; reason: string }[] = [];
  let wakeAtMs: number | null = null;
  for (const input of inputs) {
    const s = rateStep(P, m, input);
    m = s.machine;
    wakeAtMs = s.wakeAtMs;
    if (s.change !== null) changes.push({ atMs: input.atMs, to: s.change.to, reason: s.change.reason });
  }
  return { machine: m, changes, wakeAtMs };
}

/** Router online, its state, this link up at t = 0: calm from then on. */
const settle: RateInput[] = [
  { kind: "routerOnline", atMs: 0, online: true },
  { kind: "routerState", atMs: 0, state: router() },
  { kind: "peer", atMs: 0, link: "fibre", state: "up" },
  { kind: "peer", atMs: 0, link: "cable", state: "up" },
  { kind: "own", atMs: 0, state: "up" },
];
const standbyAt60 = {
  atMs: 60_000,
  to: "standby",
  reason: "tier 1 carries the traffic, this link is tier 2",
};

describe("rate machine: full at once, standby after the hold", () => {
  it("starts at full rate and asks to be woken when the hold ends", () => {
    const r = play(settle);
    expect(r.machine.rate).toBe("full");
    expect(r.changes).toEqual([]);
    expect(r.wakeAtMs).toBe(60_000);
  });

  it("the wake-up tick after the hold switches to standby", () => {
    const r = play([...settle, { kind: "tick", atMs: 59_999 }, { kind: "tick", atMs: 60_000 }]);
    expect(r.changes).toEqual([standbyAt60]);
    expect(r.wakeAtMs).toBeNull();
  });

  it.each<{ name: string; input: RateInput; reason: string }>([
    {
      name: "a lower-tier link's prober says degraded",
      input: { kind: "peer", atMs: 70_000, link: "cable", state: "degraded" },
      reason: "cable (tier 1) is degraded",
    },
    {
      name: "the router drops a tier-1 link",
      input: { kind: "routerState", atMs: 70_000, state: router({ fibre: { state: "down" } }, ["cable"]) },
      reason: "fibre (tier 1) is down",
    },
    {
      name: "the router goes offline",
      input: { kind: "routerOnline", atMs: 70_000, online: false },
      reason: "router not online",
    },
    { name: "the bus goes down", input: { kind: "bus", atMs: 70_000, connected: false }, reason: "bus down" },
    {
      name: "the active set changes with everything up (a tier-1 link joins)",
      input: { kind: "routerState", atMs: 70_000, state: router({}, ["fibre"]) },
      reason: "the links carrying traffic changed (now fibre)",
    },
  ])("standby → full at once when $name", ({ input, reason }) => {
    const r = play([...settle, { kind: "tick", atMs: 60_000 }, input]);
    expect(r.changes).toEqual([standbyAt60, { atMs: 70_000, to: "full", reason }]);
  });

  it("after a tier-1 link comes back, the hold starts again before standby", () => {
    const r = play([
      ...settle,
      { kind: "tick", atMs: 60_000 },
      { kind: "peer", atMs: 70_000, link: "cable", state: "down" },
      { kind: "peer", atMs: 80_000, link: "cable", state: "up" },
      { kind: "tick", atMs: 139_999 },
      { kind: "tick", atMs: 140_000 },
    ]);
    expect(r.changes.map((c) => [c.atMs, c.to])).toEqual([
      [60_000, "standby"],
      [70_000, "full"],
      [140_000, "standby"],
    ]);
  });

  it("after the bus comes back, nothing heard before counts: full until the router speaks again and the hold passes", () => {
    const r = play([
      ...settle,
      { kind: "tick", atMs: 60_000 },
      { kind: "bus", atMs: 61_000, connected: false },
      { kind: "bus", atMs: 62_000, connected: true },
      { kind: "tick", atMs: 130_000 },
    ]);
    expect(r.changes.map((c) => [c.atMs, c.to, c.reason])).toEqual([
      [60_000, "standby", standbyAt60.reason],
      [61_000, "full", "bus down"],
    ]);
    expect(r.machine.rate).toBe("full");
  });

  it("periodic router states with the same content neither switch nor restart the hold", () => {
    const r = play([
      ...settle,
      { kind: "routerState", atMs: 20_000, state: router() },
      { kind: "routerState", atMs: 40_000, state: router() },
      { kind: "routerState", atMs: 60_000, state: router() },
    ]);
    expect(r.changes).toEqual([standbyAt60]);
  });

  it("its own prober's state on the peers' topic is ignored (the own verdict comes from the machine)", () => {
    const r = play([
      ...settle,
      { kind: "peer", atMs: 1, link: "lte", state: "unknown" },
      { kind: "tick", atMs: 60_000 },
    ]);
    expect(r.changes).toEqual([standbyAt60]);
  });
});
