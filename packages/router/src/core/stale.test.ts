import { describe, expect, it } from "vitest";
import { config, inputs } from "../../test/fixtures/core.js";
import { computeDesired } from "./desired.js";
import { linksToFlush } from "./plan.js";
import { describeStale, staleLinks } from "./stale.js";

describe("staleLinks", () => {
  const names = ["dsl", "cable"];
  it.each([
    { name: "fresh heartbeats", beats: { dsl: 9000, cable: 9500 }, since: 0, now: 10_000, stale: [] },
    {
      name: "exactly at the bound: not yet",
      beats: { dsl: 4000, cable: 9500 },
      since: 0,
      now: 10_000,
      stale: [],
    },
    { name: "one past the bound", beats: { dsl: 3999, cable: 9500 }, since: 0, now: 10_000, stale: ["dsl"] },
    { name: "never seen, within the grace after start", beats: {}, since: 5000, now: 10_000, stale: [] },
    { name: "never seen, past the grace", beats: { cable: 9900 }, since: 0, now: 10_000, stale: ["dsl"] },
    {
      name: "an old beat counts from a reconnect",
      beats: { dsl: 0, cable: 0 },
      since: 8000,
      now: 10_000,
      stale: [],
    },
    {
      name: "both silent",
      beats: { dsl: 1000, cable: 2000 },
      since: 0,
      now: 10_000,
      stale: ["dsl", "cable"],
    },
  ])("$name", ({ beats, since, now, stale }) => {
    expect([...staleLinks(names, new Map(Object.entries(beats)), since, now, 6000)]).toEqual(stale);
  });

  it("describes what changed", () => {
    expect(describeStale(new Set(["cable"]), new Set(["dsl"]))).toBe(
      "dsl stale: no heartbeat from its prober; cable heartbeat back",
    );
  });
});

describe("computeDesired with stale links", () => {
  const cfg = config({}, [
    { name: "dsl", interface: "wan1", weight: 1 },
    { name: "cable", interface: "wan2", weight: 4 },
    { name: "lte", interface: "wwan0", tier: 2 },
  ]);
  const withStale = (states: Record<string, "up" | "down" | "degraded">, stale: string[]) =>
    inputs(states).map((i) => ({ ...i, stale: stale.includes(i.name) }));
  const route = (states: Record<string, "up" | "down" | "degraded">, stale: string[]) =>
    computeDesired(cfg, withStale(states, stale), null).defaultRoute;

  it.each([
    {
      name: "a stale up link leaves while a fresh one is live",
      states: { dsl: "up", cable: "up", lte: "up" },
      stale: ["cable"],
      expected: { tier: 1, nexthops: [{ link: "dsl", weight: 1 }], mode: "balanced" },
    },
    {
      name: "a fresh live link of a higher tier takes over from a stale tier",
      states: { dsl: "up", cable: "up", lte: "up" },
      stale: ["dsl", "cable"],
      expected: { tier: 2, nexthops: [{ link: "lte", weight: 1 }], mode: "balanced" },
    },
    {
      name: "every live link stale: fail open, routes as they say",
      states: { dsl: "up", cable: "down", lte: "down" },
      stale: ["dsl"],
      expected: { tier: 1, nexthops: [{ link: "dsl", weight: 1 }], mode: "balanced" },
    },
    {
      name: "all stale: nothing changes",
      states: { dsl: "up", cable: "up", lte: "up" },
      stale: ["dsl", "cable", "lte"],
      expected: {
        tier: 1,
        nexthops: [
          { link: "dsl", weight: 1 },
          { link: "cable", weight: 4 },
        ],
        mode: "balanced",
      },
    },
  ] as const)("$name", ({ states, stale, expected }) => {
    expect(route(states, [...stale])).toEqual(expected);
  });

  it("shows the stale link as stale and keeps traffic rules off it", () => {
    const c = config({ rules: [{ name: "voip", dst: "203.0.113.9/32", via: ["cable", "dsl"] }] });
    const d = computeDesired(c, withStale({ dsl: "up", cable: "up", lte: "up" }, ["cable"]), null);
    expect(d.links.find((l) => l.name === "cable")).toMatchObject({
      stale: true,
      demoted: true,
      active: false,
    });
    expect(d.trafficRules[0]?.active).toBe("dsl");
  });

  it("does not flush a stale link's connections (its link may be fine; only its prober is silent)", () => {
    const before = computeDesired(cfg, withStale({ dsl: "up", cable: "up" }, []), null);
    const after = computeDesired(cfg, withStale({ dsl: "up", cable: "up" }, ["cable"]), before.defaultRoute);
    expect(linksToFlush(before.links, after.links, true)).toEqual([]);
  });
});
