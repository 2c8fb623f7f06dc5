import type { HaLinkView, LinkHealth, LinkState, LinkState6 } from "@wanpilot/common";
import { linkStateFixture, testConfig } from "@wanpilot/testing";
import { describe, expect, it } from "vitest";
import { HA_NUMBERS_EVERY_MS, haGatewayView, haLinkView, shouldPublishLink } from "./ha-view.js";

const config = testConfig({ links: [{ name: "dsl", interface: "wan1", weight: 3 }] });
const cfg = config.links[0];
if (cfg === undefined) throw new Error("no link");

const state = (s: LinkState["state"], rttMs: number | null, lossRatio: number | null): LinkState =>
  linkStateFixture("dsl", s, { rttMs, lossRatio, at: "2026-01-01T00:00:10.000Z" });

const router = {
  at: "2026-01-01T00:00:10.000Z",
  defaultRoute: { tier: 1, nexthops: [{ link: "dsl", weight: 3 }], mode: "balanced" as const },
  links: [
    {
      link: "dsl",
      state: "up" as const,
      table: 101,
      active: true,
      weight: 3,
      connections: 30,
      stale: false,
      override: null,
    },
    {
      link: "lte",
      state: "up" as const,
      table: 102,
      active: true,
      weight: 1,
      connections: 10,
      stale: false,
      override: null,
    },
  ],
  rules: [],
  lastChange: { at: "2026-01-01T00:00:05.000Z", reason: "lte: up" },
};

describe("haLinkView", () => {
  it("shows an up link's numbers, rounded, and its share of connections", () => {
    const v = haLinkView({
      config: cfg,
      state: state("up", 12.345, 0.0123),
      health: undefined,
      router,
      proberOnline: true,
      routerOnline: true,
    });
    expect(v).toEqual({
      link: "dsl",
      state: "up",
      connected: true,
      rttMs: 12.3,
      lossPercent: 1.2,
      sharePercent: 75,
      active: true,
      weight: 3,
    });
  });

  it.each([
    ["down", true],
    ["unknown", true],
    ["up", false],
  ] as const)("a link %s (prober online: %s) has no numbers: Home Assistant's None", (s, proberOnline) => {
    const v = haLinkView({
      config: cfg,
      state: state(s, 50, 1),
      health: undefined,
      router,
      proberOnline,
      routerOnline: true,
    });
    expect([v.rttMs, v.lossPercent, v.sharePercent, v.weight]).toEqual([null, null, null, null]);
    expect(v.connected).toBe(false);
  });

  it("takes the numbers of the newer of LinkHealth and LinkState", () => {
    const health = {
      link: "dsl",
      at: "2026-01-01T00:00:20.000Z",
      windowMs: 10000,
      state: "up" as const,
      rtt: { meanMs: 40, minMs: 30, maxMs: 50, jitterMs: 2 },
      lossRatio: 0.1,
      targets: [],
    };
    const v = haLinkView({
      config: cfg,
      state: state("up", 10, 0),
      health,
      router,
      proberOnline: true,
      routerOnline: true,
    });
    expect([v.rttMs, v.lossPercent]).toEqual([40, 10]);
  });
});

describe("haLinkView, IPv6 (links with `ipv6` on only)", () => {
  const dual = testConfig({ links: [{ name: "dsl", interface: "wan1", weight: 3, ipv6: true }] }).links[0];
  if (dual === undefined) throw new Error("no link");
  const state6 = (s: LinkState6["state"], rttMs: number | null, lossRatio: number | null): LinkState6 => ({
    ...linkStateFixture("dsl", s, { rttMs, lossRatio }),
    family: "ipv6",
    source: "2001:db8:1::2",
    gateway: "fe80::1",
  });
  const link6 = { link: "dsl", state: "down" as const, active: false, weight: 3, connections: 0 };
  const ipv6 = { defaultRoute: { tier: 1, nexthops: [], mode: "all-down-keep" as const }, links: [link6] };
  const view = (over: Partial<Parameters<typeof haLinkView>[0]>) =>
    haLinkView({
      config: dual,
      state: state("up", 12, 0),
      health: undefined,
      router: { ...router, ipv6: { ...ipv6, links: [{ ...link6, state: "up", active: true }] } },
      state6: state6("up", 30.04, 0.021),
      proberOnline: true,
      routerOnline: true,
      ...over,
    }) as HaLinkView;

  it("shows the IPv6 family's own state, numbers and router flag beside IPv4's", () => {
    const v = view({});
    expect(v.ipv6).toEqual({ state: "up", active: true, rttMs: 30, lossPercent: 2.1 });
    expect([v.state, v.rttMs, v.active]).toEqual(["up", 12, true]);
  });

  it("IPv6 RTT and loss follow the periodic IPv6 health once it is newer than the state (IPv4's health never)", () => {
    const health = (meanMs: number, lossRatio: number, at: string): LinkHealth => ({
      link: "dsl",
      at,
      windowMs: 10_000,
      state: "up",
      rtt: { meanMs, minMs: meanMs, maxMs: meanMs, jitterMs: 0 },
      lossRatio,
      targets: [],
    });
    const s6 = state6("up", 30.04, 0.021);
    const later = new Date(Date.parse(s6.at) + 2000).toISOString();
    const earlier = new Date(Date.parse(s6.at) - 2000).toISOString();
    expect(view({ state6: s6, health: health(99, 0.5, later) }).ipv6).toMatchObject({
      rttMs: 30,
      lossPercent: 2.1,
    });
    expect(view({ state6: s6, health6: health(44.44, 0.1, earlier) }).ipv6).toMatchObject({ rttMs: 30 });
    expect(view({ state6: s6, health6: health(44.44, 0.1, later) }).ipv6).toEqual({
      state: "up",
      active: true,
      rttMs: 44.4,
      lossPercent: 10,
    });
  });

  it("IPv6 down while IPv4 is up: only the IPv6 part says so, with no numbers", () => {
    const v = view({ state6: state6("down", 50, 1), router: { ...router, ipv6 } });
    expect(v.ipv6).toEqual({ state: "down", active: false, rttMs: null, lossPercent: null });
    expect([v.state, v.connected, v.active, v.rttMs]).toEqual(["up", true, true, 12]);
  });

  it.each([
    ["no IPv6 state yet", { state6: undefined }, { state: "unknown", active: true }],
    ["prober offline", { proberOnline: false }, { state: "unknown", active: true }],
    ["router offline", { routerOnline: false }, { state: "up", active: false }],
    ["router without an IPv6 half", { router }, { state: "up", active: false }],
  ] as const)("%s", (_name, over, expected) => {
    expect(view(over).ipv6).toMatchObject(expected);
  });

  it("a link without `ipv6` has no IPv6 part, whatever the bus holds", () => {
    const v = view({ config: cfg });
    expect(v).not.toHaveProperty("ipv6");
  });
});

describe("shouldPublishLink (what Home Assistant's recorder stores)", () => {
  const base: HaLinkView = {
    link: "dsl",
    state: "up",
    connected: true,
    rttMs: 20,
    lossPercent: 0,
    sharePercent: 50,
    active: true,
    weight: 1,
  };
  const v6 = { state: "up" as const, active: true, rttMs: 30, lossPercent: 0 };
  const withV6: HaLinkView = { ...base, ipv6: v6 };
  const at = 1_000_000;
  it.each([
    ["nothing published yet", undefined, base, at, true],
    ["identical", base, base, at + 60_000, false],
    ["state changed", base, { ...base, state: "degraded" as const }, at + 1, true],
    ["active changed", base, { ...base, active: false }, at + 1, true],
    ["weight changed", base, { ...base, weight: 2 }, at + 1, true],
    ["rtt +2 ms within 30 s", base, { ...base, rttMs: 22 }, at + 10_000, false],
    ["rtt +2 ms after 30 s", base, { ...base, rttMs: 22 }, at + HA_NUMBERS_EVERY_MS, true],
    ["rtt doubled", base, { ...base, rttMs: 40 }, at + 1, true],
    ["loss +5 points", base, { ...base, lossPercent: 5 }, at + 1, true],
    ["share +3 points within 30 s", base, { ...base, sharePercent: 53 }, at + 1, false],
    ["rtt became unknown", base, { ...base, rttMs: null }, at + 1, true],
    ["IPv6 part appeared", base, { ...base, ipv6: v6 }, at + 1, true],
    ["IPv6 identical", withV6, { ...withV6 }, at + 60_000, false],
    ["IPv6 state changed", withV6, { ...base, ipv6: { ...v6, state: "down" as const } }, at + 1, true],
    ["IPv6 active changed", withV6, { ...base, ipv6: { ...v6, active: false } }, at + 1, true],
    ["IPv6 rtt +2 ms within 30 s", withV6, { ...base, ipv6: { ...v6, rttMs: 32 } }, at + 10_000, false],
    [
      "IPv6 rtt +2 ms after 30 s",
      withV6,
      { ...base, ipv6: { ...v6, rttMs: 32 } },
      at + HA_NUMBERS_EVERY_MS,
      true,
    ],
    ["IPv6 rtt doubled", withV6, { ...base, ipv6: { ...v6, rttMs: 60 } }, at + 1, true],
    ["IPv6 loss +5 points", withV6, { ...base, ipv6: { ...v6, lossPercent: 5 } }, at + 1, true],
    ["IPv6 rtt became unknown", withV6, { ...base, ipv6: { ...v6, rttMs: null } }, at + 1, true],
  ])("%s → %s", (_name, last, next, now, expected) => {
    expect(shouldPublishLink(last === undefined ? undefined : { view: last, atMs: at }, next, now)).toBe(
      expected,
    );
  });
});

describe("haGatewayView", () => {
  it("counts links up and takes the router's mode and last change; unknown while the router is offline", () => {
    const views = [
      {
        ...haLinkView({
          config: cfg,
          state: state("up", 1, 0),
          health: undefined,
          router,
          proberOnline: true,
          routerOnline: true,
        }),
      },
      {
        ...haLinkView({
          config: cfg,
          state: state("down", 1, 0),
          health: undefined,
          router,
          proberOnline: true,
          routerOnline: true,
        }),
      },
    ];
    expect(haGatewayView(views, router, true)).toEqual({
      mode: "balanced",
      linksUp: 1,
      linksTotal: 2,
      lastFailoverAt: "2026-01-01T00:00:05.000Z",
      lastFailoverCause: "lte: up",
    });
    expect(haGatewayView(views, router, false).mode).toBe("unknown");
  });
});
