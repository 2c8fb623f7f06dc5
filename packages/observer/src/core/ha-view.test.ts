import { type HaLinkView, type LinkState, validateConfig } from "@wanpilot/common";
import { linkStateFixture } from "@wanpilot/testing";
import { describe, expect, it } from "vitest";
import { HA_NUMBERS_EVERY_MS, haGatewayView, haLinkView, shouldPublishLink } from "./ha-view.js";

const parsed = validateConfig({ links: [{ name: "dsl", interface: "wan1", weight: 3 }] });
if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
const cfg = parsed.config.links[0];
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
