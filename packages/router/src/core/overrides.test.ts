import { describe, expect, it } from "vitest";
import { config, inputs } from "../../test/fixtures/core.js";
import { computeDesired } from "./desired.js";
import { applyCommand, type Overrides } from "./overrides.js";
import { linksToFlush } from "./plan.js";

const cfg = config();
const AT = "2026-12-01T00:00:00.000Z";
const up = inputs({ dsl: "up", cable: "up", lte: "up" });
const since = { since: AT };

describe("applyCommand", () => {
  it.each([
    {
      cmd: { action: "drain" },
      link: "dsl",
      want: { dsl: { admin: "drain", weight: null, tier: null, ...since } },
    },
    {
      cmd: { action: "disable" },
      link: "dsl",
      want: { dsl: { admin: "disable", weight: null, tier: null, ...since } },
    },
    {
      cmd: { action: "weight", value: 7 },
      link: "cable",
      want: { cable: { admin: null, weight: 7, tier: null, ...since } },
    },
    // The config's own value is no override.
    { cmd: { action: "weight", value: 4 }, link: "cable", want: {} },
    { cmd: { action: "enable" }, link: "dsl", want: {} },
    { cmd: { action: "reset" }, link: "dsl", want: {} },
  ] as const)("$link $cmd.action $cmd.value", ({ cmd, link, want }) => {
    const r = applyCommand({}, cfg, link, cmd, AT);
    expect(r.ok && r.overrides).toEqual(want);
  });

  it("refuses an unknown link, naming the ones there are", () => {
    expect(applyCommand({}, cfg, "nope", { action: "drain" }, AT)).toEqual({
      ok: false,
      reason: 'no link "nope" (links: dsl, cable, lte)',
    });
  });

  it("enable keeps a weight override; reset drops everything", () => {
    let o: Overrides = {};
    for (const cmd of [
      { action: "weight", value: 9 },
      { action: "disable" },
      { action: "enable" },
    ] as const) {
      const r = applyCommand(o, cfg, "dsl", cmd, AT);
      if (r.ok) o = r.overrides;
    }
    expect(o).toEqual({ dsl: { admin: null, weight: 9, tier: null, since: AT } });
    const r = applyCommand(o, cfg, "dsl", { action: "reset" }, AT);
    expect(r.ok && r.overrides).toEqual({});
  });
});

describe("overrides in the desired state", () => {
  const over = (o: Overrides) => computeDesired(cfg, up, null, o);
  const o = (admin: "drain" | "disable" | null, weight: number | null = null) => ({
    admin,
    weight,
    tier: null,
    since: AT,
  });

  it("a drained or disabled link leaves the default route; its own rules and routes stay", () => {
    for (const admin of ["drain", "disable"] as const) {
      const d = over({ dsl: o(admin) });
      expect(d.defaultRoute.nexthops.map((n) => n.link)).toEqual(["cable"]);
      expect(d.rules).toEqual(over({}).rules);
      expect(d.links.find((l) => l.name === "dsl")).toMatchObject({ live: false, state: "up" });
    }
  });

  it("a weight override is the weight in the route", () => {
    expect(over({ cable: o(null, 9) }).defaultRoute.nexthops).toEqual([
      { link: "dsl", weight: 1 },
      { link: "cable", weight: 9 },
    ]);
  });

  it.each([
    {
      name: "disable flushes the link, whatever flush_on_down",
      before: {},
      after: { dsl: o("disable") },
      on: false,
      expected: ["dsl"],
    },
    { name: "drain flushes nothing", before: {}, after: { dsl: o("drain") }, on: true, expected: [] },
    {
      name: "a disabled link is flushed once",
      before: { dsl: o("disable") },
      after: { dsl: o("disable") },
      on: true,
      expected: [],
    },
    { name: "enable flushes nothing", before: { dsl: o("disable") }, after: {}, on: true, expected: [] },
  ])("$name", ({ before, after, on, expected }) => {
    expect(linksToFlush(over(before).links, over(after).links, on).map((l) => l.name)).toEqual(expected);
  });

  it("a link removed by a reload is flushed", () => {
    const fewer = config({}, [
      { name: "dsl", interface: "wan1", weight: 1 },
      { name: "cable", interface: "wan2", weight: 4 },
    ]);
    const next = computeDesired(fewer, up, null).links;
    expect(linksToFlush(over({}).links, next, false).map((l) => l.name)).toEqual(["lte"]);
  });
});
