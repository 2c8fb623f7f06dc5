import { type LinkState, type RouterState, validateConfig } from "@wanpilot/common";
import { linkStateFixture } from "@wanpilot/testing";
import { describe, expect, it } from "vitest";
import { emptyInputs, liveView } from "./live.js";

const parsed = validateConfig({
  gateway: "gw1",
  links: [
    { name: "dsl", interface: "wan1", weight: 2 },
    { name: "lte", interface: "wwan0", tier: 2 },
  ],
});
if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
const config = parsed.config;

const state = (link: string, s: LinkState["state"]): LinkState =>
  linkStateFixture(link, s, {
    interface: link === "dsl" ? "wan1" : "wwan0",
    cause: "recovered after 3 good rounds",
  });

const router: RouterState = {
  at: "2026-01-01T00:00:02.000Z",
  defaultRoute: { tier: 1, nexthops: [{ link: "dsl", weight: 5 }], mode: "balanced" },
  links: [
    {
      link: "dsl",
      state: "up",
      table: 101,
      active: true,
      weight: 5,
      connections: 30,
      override: { admin: null, weight: 5, tier: null, since: "2026-01-01T00:00:02.000Z" },
      stale: false,
    },
    {
      link: "lte",
      state: "down",
      table: 102,
      active: false,
      weight: 1,
      connections: 10,
      override: null,
      stale: true,
    },
  ],
  rules: [],
  lastChange: { at: "2026-01-01T00:00:02.000Z", reason: "operator: dsl weight 5" },
};

describe("liveView", () => {
  it("before any message: every configured link unknown, weights and tiers from the config", () => {
    const v = liveView(config, emptyInputs(), 0);
    expect(v.links.map((l) => [l.name, l.state, l.weight, l.tier, l.since])).toEqual([
      ["dsl", "unknown", 2, 1, null],
      ["lte", "unknown", 1, 2, null],
    ]);
    expect(v.defaultRoute).toBeNull();
    expect(v.parts).toEqual([]);
  });

  it("joins the probers' states, the heartbeat's figures, the router's view and the parts", () => {
    const inputs = emptyInputs();
    inputs.links.set("dsl", state("dsl", "up"));
    inputs.links.set("lte", state("lte", "down"));
    inputs.health.set("dsl", {
      link: "dsl",
      at: "2026-01-01T00:00:03.000Z",
      windowMs: 10_000,
      state: "up",
      rtt: { meanMs: 12.5, minMs: 10, maxMs: 15, jitterMs: 1 },
      lossRatio: 0.05,
      targets: [],
    });
    inputs.router = router;
    inputs.availability.set("router", "online");
    inputs.availability.set("prober/lte", "offline");
    const v = liveView(config, inputs, Date.parse("2026-01-01T00:00:04.000Z"));
    const [dsl, lte] = v.links;
    expect(dsl).toMatchObject({ state: "up", rttMs: 12.5, lossRatio: 0.05, weight: 5, active: true });
    expect(dsl?.connectionShare).toBeCloseTo(0.75);
    expect(lte).toMatchObject({ state: "down", rttMs: 20, connectionShare: 0.25, stale: true, tier: 2 });
    expect(v.defaultRoute?.nexthops).toEqual([{ link: "dsl", weight: 5 }]);
    expect(v.parts).toEqual([
      { name: "prober/lte", availability: "offline", restarts: null },
      { name: "router", availability: "online", restarts: null },
    ]);
  });

  it("no share while the router could not count a link's connections", () => {
    const inputs = emptyInputs();
    inputs.router = {
      ...router,
      links: router.links.map((l) => ({ ...l, connections: l.link === "lte" ? null : 3 })),
    };
    expect(liveView(config, inputs, 0).links.map((l) => l.connectionShare)).toEqual([null, null]);
  });
});
