import { describe, expect, it } from "vitest";
import { config, inputs } from "../../test/fixtures/core.js";
import { computeDesired } from "./desired.js";
import type { ObservedState, RuleSpec } from "./model.js";
import { appliedState, linksToFlush, plan, planCleanup } from "./plan.js";

const cfg = config();
const desired = computeDesired(cfg, inputs({ dsl: "up", cable: "up", lte: "up" }), null);
const empty: ObservedState = { rules: [], routes: [], nexthops: [], nftHash: null, nftVias: {}, sysctls: {} };
const done = appliedState(desired, empty);
const foreign: RuleSpec = {
  priority: 500,
  src: "10.9.0.0/16",
  fwmark: null,
  fwmask: null,
  table: 7,
  suppressPrefixLength: null,
};
const system: RuleSpec[] = [
  { priority: 0, src: "all", fwmark: null, fwmask: null, table: 255, suppressPrefixLength: null },
  { priority: 32766, src: "all", fwmark: null, fwmask: null, table: 254, suppressPrefixLength: null },
];
const linesOf = (cmds: ReturnType<typeof plan>) =>
  cmds.flatMap((c) => (c.kind === "ip-batch" ? c.lines : []));

describe("plan", () => {
  it("from nothing: sysctls, nft, then one batch of routes before rules", () => {
    const wans = {
      "net.ipv4.conf.wan1.rp_filter": "0",
      "net.ipv4.conf.wan2.rp_filter": "1",
      "net.ipv4.conf.wwan0.rp_filter": "0",
    };
    const cmds = plan(desired, { ...empty, sysctls: wans });
    expect(cmds.map((c) => c.kind)).toEqual([...Array(5).fill("sysctl"), "nft", "ip-batch"]);
    const lines = linesOf(cmds);
    expect(lines.filter((l) => l.startsWith("route replace"))).toHaveLength(7);
    expect(lines.filter((l) => l.startsWith("rule add"))).toHaveLength(11);
    expect(lines.findIndex((l) => l.startsWith("rule"))).toBeGreaterThan(
      lines.findLastIndex((l) => l.startsWith("route")),
    );
    expect(lines).toContain(
      "route replace table 100 default proto 77 nexthop via 198.18.1.1 dev wan1 weight 1 nexthop via 198.18.2.1 dev wan2 weight 4",
    );
    expect(lines).toContain(
      "rule add priority 10400 from all fwmark 0x1000000/0x7f000000 lookup 101 protocol 77",
    );
    expect(lines).toContain(
      "rule add priority 10000 from all lookup 254 suppress_prefixlength 0 protocol 77",
    );
    expect(lines).toContain(
      "rule add priority 10201 from all iif lo sport 61016-61031 lookup 102 protocol 77",
    );
  });

  it.each([
    { name: "everything right: nothing to do", observed: done, expected: [] as string[] },
    {
      name: "duplicates of its own rules are deleted, one line each",
      observed: {
        ...done,
        rules: [...done.rules, desired.rules[1] as RuleSpec, desired.rules[1] as RuleSpec],
      },
      expected: [
        "rule del priority 10100 from 198.18.1.2 lookup 101 protocol 77",
        "rule del priority 10100 from 198.18.1.2 lookup 101 protocol 77",
      ],
    },
    {
      name: "others' rules and kernel rules are untouched",
      observed: { ...done, rules: [...system, foreign, ...done.rules] },
      expected: [],
    },
    {
      name: "a leftover rule in its range and its table are removed",
      observed: {
        ...done,
        rules: [...done.rules, { ...foreign, priority: 10405, src: "all", table: 140 }],
        routes: [
          ...done.routes,
          {
            table: 140,
            dst: "default",
            type: "unicast" as const,
            metric: 0,
            nexthops: [{ gateway: "198.18.9.1", dev: "x", weight: 1 }],
            src: null,
          },
        ],
      },
      expected: [
        "rule del priority 10405 from all lookup 140 protocol 77",
        "route del table 140 default proto 77",
      ],
    },
    {
      name: "a wrong default route is replaced; a foreign table's route untouched",
      observed: {
        ...done,
        routes: [
          ...done.routes.filter((r) => r.table !== 100),
          {
            table: 100,
            dst: "default",
            type: "unicast" as const,
            metric: 0,
            nexthops: [{ gateway: "198.18.1.1", dev: "wan1", weight: 1 }],
            src: null,
          },
        ],
        foreign: {
          rules: [],
          nexthops: [],
          routes: [
            {
              table: 7,
              dst: "default",
              type: "unicast" as const,
              metric: 0,
              nexthops: [{ gateway: "10.0.0.1", dev: "eth9", weight: 1 }],
              src: null,
            },
          ],
        },
      },
      expected: [
        "route replace table 100 default proto 77 nexthop via 198.18.1.1 dev wan1 weight 1 nexthop via 198.18.2.1 dev wan2 weight 4",
      ],
    },
    {
      name: "an extra route with another metric in its table is deleted",
      observed: {
        ...done,
        routes: [
          ...done.routes,
          {
            table: 101,
            dst: "default",
            type: "unicast" as const,
            metric: 50,
            nexthops: [{ gateway: "198.18.1.1", dev: "wan1", weight: 1 }],
            src: null,
          },
        ],
      },
      expected: ["route del table 101 default metric 50 proto 77"],
    },
  ])("$name", ({ observed, expected }) => {
    const cmds = plan(desired, observed);
    expect(cmds.filter((c) => c.kind !== "ip-batch")).toEqual([]);
    expect(linesOf(cmds)).toEqual(expected);
  });

  it("settings of an interface that is not there are left until it appears", () => {
    const { "net.ipv4.conf.wwan0.rp_filter": _gone, ...present } = done.sysctls;
    const observed = { ...done, sysctls: present };
    expect(plan(desired, observed)).toEqual([]);
    expect(appliedState(desired, observed).sysctls["net.ipv4.conf.wwan0.rp_filter"]).toBeUndefined();
    const back = { ...done, sysctls: { ...present, "net.ipv4.conf.wwan0.rp_filter": "0" } };
    expect(plan(desired, back)).toEqual([
      { kind: "sysctl", key: "net.ipv4.conf.wwan0.rp_filter", value: "2" },
    ]);
  });

  it("a changed nft hash or sysctl brings back just that", () => {
    const cmds = plan(desired, {
      ...done,
      nftHash: "0000000000000000",
      sysctls: { ...done.sysctls, "net.ipv4.ip_forward": "0" },
    });
    expect(cmds.map((c) => c.kind)).toEqual(["sysctl", "nft"]);
  });

  it("one link going down: new default, rules re-pointed in nft, its connections flushed", () => {
    const next = computeDesired(cfg, inputs({ dsl: "down", cable: "up", lte: "up" }), null);
    const flush = linksToFlush(desired.links, next.links, true);
    const cmds = plan(next, done, flush);
    expect(cmds.map((c) => c.kind)).toEqual(["ip-batch", "conntrack-flush"]);
    expect(linesOf(cmds)).toEqual(["route replace table 100 default proto 77 via 198.18.2.1 dev wan2"]);
    expect(cmds[1]).toEqual({ kind: "conntrack-flush", link: "dsl", mark: 0x1000000, mask: 0x7f000000 });
  });
});

describe("plan with traffic rules", () => {
  const withRules = config({ rules: [{ name: "pin", dport: 443, proto: "tcp", via: ["dsl", "cable"] }] });
  const before = computeDesired(withRules, inputs({ dsl: "up", cable: "up" }), null);
  it("a link change rewrites only the via chain that changed, in one nft transaction", () => {
    const next = computeDesired(withRules, inputs({ dsl: "down", cable: "up" }), null);
    const cmds = plan(next, appliedState(before, empty));
    expect(cmds[0]).toEqual({
      kind: "nft",
      text: `flush chain inet wanpilot via_0\nadd rule inet wanpilot via_0 ${next.nft.vias.get("via_0")?.line}\n`,
    });
  });
  it("a missing via tag (edited by hand) is rewritten; a different table hash replaces the table", () => {
    expect(plan(before, { ...appliedState(before, empty), nftVias: {} })[0]?.kind).toBe("nft");
    const whole = plan(before, { ...appliedState(before, empty), nftHash: "x" })[0];
    expect(whole).toEqual({ kind: "nft", text: before.nft.text });
  });
});

describe("linksToFlush", () => {
  const views = (states: Record<string, string>) => computeDesired(cfg, inputs(states as never), null).links;
  it.each([
    { prev: { dsl: "up", cable: "up" }, next: { dsl: "down", cable: "up" }, on: true, expected: ["dsl"] },
    { prev: { dsl: "up", cable: "up" }, next: { dsl: "down", cable: "up" }, on: false, expected: [] },
    {
      prev: { dsl: "down", cable: "up" },
      next: { dsl: "down", cable: "down" },
      on: true,
      expected: ["cable"],
    },
    { prev: { dsl: "down", cable: "up" }, next: { dsl: "up", cable: "up" }, on: true, expected: [] },
    { prev: { dsl: "up" }, next: { dsl: "degraded" }, on: true, expected: [] },
    { prev: null, next: { dsl: "down", cable: "unknown" }, on: true, expected: ["dsl"] },
    // Failing open at start (all unknown, all in the route): a link reported down is flushed.
    { prev: {}, next: { dsl: "down" }, on: true, expected: ["dsl"] },
    { prev: {}, next: { dsl: "unknown" }, on: true, expected: [] },
    // A restarted prober starts unknown: no verdict, so nothing is flushed.
    { prev: { dsl: "up", cable: "up" }, next: { dsl: "unknown", cable: "up" }, on: true, expected: [] },
  ])("$prev → $next (flush_on_down $on)", ({ prev, next, on, expected }) => {
    const out = linksToFlush(prev === null ? null : views(prev), views(next), on);
    expect(out.map((l) => l.name)).toEqual(expected);
  });
});

describe("planCleanup", () => {
  it("removes its rules, tables and nft table; leaves others", () => {
    const observed = { ...done, rules: [...system, foreign, ...done.rules] };
    const cmds = planCleanup(observed);
    expect(cmds[0]).toEqual({ kind: "nft", text: "table inet wanpilot {}\ndelete table inet wanpilot\n" });
    const lines = linesOf(cmds);
    expect(lines.filter((l) => l.startsWith("rule del"))).toHaveLength(11);
    expect(lines.filter((l) => l.startsWith("route del"))).toHaveLength(7);
    expect(lines.join("\n")).not.toMatch(/priority (0|500|32766) /);
  });
});
