import type { LinkStateName } from "@wanpilot/common";
import { describe, expect, it } from "vitest";
import { config, inputs } from "../../test/fixtures/core.js";
import { computeDesired } from "./desired.js";
import type { LinkInput, ObservedState } from "./model.js";
import { linksToFlush, plan, planCleanup } from "./plan.js";

const V6: Record<string, [string, string]> = {
  dsl: ["2001:db8:1::2", "fe80::1"],
  cable: ["2001:db8:2::2", "fe80::1"],
};
const inputs6 = (states: Record<string, LinkStateName>): LinkInput[] =>
  Object.entries(states).map(([name, state]) => ({
    name,
    state,
    source: V6[name]?.[0] ?? null,
    gateway: V6[name]?.[1] ?? null,
    prefixLength: 64,
  }));

// dsl and cable have IPv6 on; lte (tier 2) does not.
const dual = config({}, [
  { name: "dsl", interface: "wan1", weight: 1, ipv6: true },
  { name: "cable", interface: "wan2", weight: 4, ipv6: { gateway: "fe80::1" } },
  { name: "lte", interface: "wwan0", tier: 2 },
]);
const up4 = inputs({ dsl: "up", cable: "up", lte: "up" });
const empty: ObservedState = {
  rules: [],
  routes: [],
  nexthops: [],
  nftHash: null,
  nftVias: {},
  sysctls: {},
  v6: { rules: [], routes: [] },
};

describe("computeDesired with IPv6", () => {
  it("no link with ipv6: no IPv6 part, no IPv6 sysctl, no nat66, no IPv6 command", () => {
    const d = computeDesired(config(), up4, null);
    expect(d.v6).toBeUndefined();
    expect(Object.keys(d.sysctls).filter((k) => k.includes("ipv6"))).toEqual([]);
    expect(d.nft.text).not.toContain("ipv6");
    expect(plan(d, empty).filter((c) => c.kind === "ip-batch" && c.family === 6)).toEqual([]);
  });

  it("builds IPv6 tables, rules and the weighted multipath default route over link-local gateways", () => {
    const d = computeDesired(dual, up4, null, {}, undefined, {
      inputs: inputs6({ dsl: "up", cable: "up" }),
      last: null,
    });
    const cmds = plan(d, empty);
    const batch6 = cmds.find((c) => c.kind === "ip-batch" && c.family === 6);
    expect(batch6?.kind === "ip-batch" ? batch6.lines : []).toEqual([
      "route replace table 101 2001:db8:1::/64 metric 1024 proto 77 dev wan1 scope link",
      "route replace table 101 default metric 1024 proto 77 via fe80::1 dev wan1",
      "route replace table 102 2001:db8:2::/64 metric 1024 proto 77 dev wan2 scope link",
      "route replace table 102 default metric 1024 proto 77 via fe80::1 dev wan2",
      "route replace table 100 default metric 1024 proto 77 nexthop via fe80::1 dev wan1 weight 1 nexthop via fe80::1 dev wan2 weight 4",
      "rule add priority 10000 from all lookup 254 suppress_prefixlength 0 protocol 77",
      "rule add priority 10100 from 2001:db8:1::2 lookup 101 protocol 77",
      "rule add priority 10101 from 2001:db8:2::2 lookup 102 protocol 77",
      "rule add priority 10200 from all iif lo sport 61000-61015 lookup 101 protocol 77",
      "rule add priority 10201 from all iif lo sport 61016-61031 lookup 102 protocol 77",
      "rule add priority 10400 from all fwmark 0x1000000/0x7f000000 lookup 101 protocol 77",
      "rule add priority 10401 from all fwmark 0x2000000/0x7f000000 lookup 102 protocol 77",
      "rule add priority 10900 from all lookup 100 protocol 77",
    ]);
    expect(d.nft.text).toContain('oifname "wan1" meta nfproto ipv6 masquerade');
    expect(d.nft.text).toContain('oifname "wan2" meta nfproto ipv6 masquerade');
    expect(d.nft.text).not.toContain('oifname "wwan0" meta nfproto ipv6');
    // accept_ra=2 only where the gateway is learned, and before forwarding is turned on.
    expect(Object.entries(d.sysctls).filter(([k]) => k.startsWith("net.ipv6"))).toEqual([
      ["net.ipv6.conf.wan1.accept_ra", "2"],
      ["net.ipv6.conf.wan1.ignore_routes_with_linkdown", "1"],
      ["net.ipv6.conf.wan2.ignore_routes_with_linkdown", "1"],
      ["net.ipv6.conf.all.forwarding", "1"],
      ["net.ipv6.fib_multipath_hash_policy", "1"],
    ]);
  });

  it.each([
    {
      name: "IPv6 down on dsl, IPv4 up: only IPv6 moves",
      v4: { dsl: "up", cable: "up", lte: "up" },
      v6: { dsl: "down", cable: "up" },
      route4: ["dsl", "cable"],
      route6: "balanced:cable",
    },
    {
      name: "IPv4 down on dsl, IPv6 up: only IPv4 moves",
      v4: { dsl: "down", cable: "up", lte: "up" },
      v6: { dsl: "up", cable: "up" },
      route4: ["cable"],
      route6: "balanced:dsl,cable",
    },
    {
      name: "every IPv6 link down, all_down keep: the last IPv6 set is kept",
      v4: { dsl: "up", cable: "up", lte: "up" },
      v6: { dsl: "down", cable: "down" },
      route4: ["dsl", "cable"],
      route6: "all-down-keep:dsl,cable",
    },
  ] as const)("$name", ({ v4, v6, route4, route6 }) => {
    const last6 = {
      tier: 1,
      nexthops: [
        { link: "dsl", weight: 1 },
        { link: "cable", weight: 4 },
      ],
      mode: "balanced" as const,
    };
    const d = computeDesired(dual, inputs(v4), null, {}, undefined, { inputs: inputs6(v6), last: last6 });
    expect(d.defaultRoute.nexthops.map((n) => n.link)).toEqual(route4);
    const r6 = d.v6?.defaultRoute;
    expect(`${r6?.mode}:${r6?.nexthops.map((n) => n.link).join(",")}`).toBe(route6);
  });

  it("an IPv6 down flushes only IPv6 connections of that link; a disabled link counts for both families", () => {
    const before = computeDesired(dual, up4, null, {}, undefined, {
      inputs: inputs6({ dsl: "up", cable: "up" }),
      last: null,
    });
    const after = computeDesired(dual, up4, null, {}, undefined, {
      inputs: inputs6({ dsl: "down", cable: "up" }),
      last: null,
    });
    const flush = linksToFlush(before.links, after.links, true);
    const flush6 = linksToFlush(before.v6?.links ?? null, after.v6?.links ?? [], true);
    expect(plan(after, empty, flush, flush6).filter((c) => c.kind === "conntrack-flush")).toEqual([
      { kind: "conntrack-flush", family: "ipv6", link: "dsl", mark: 0x1000000, mask: 0x7f000000 },
    ]);
    const disabled = computeDesired(
      dual,
      up4,
      null,
      { dsl: { admin: "disable", weight: null, tier: null, since: "2026-12-01T00:00:00.000Z" } },
      undefined,
      { inputs: inputs6({ dsl: "up", cable: "up" }), last: null },
    );
    expect(disabled.v6?.defaultRoute.nexthops.map((n) => n.link)).toEqual(["cable"]);
  });

  it("traffic rules with IPv6 prefixes match IPv6 only and follow their links' IPv6 state", () => {
    const withRules = config(
      {
        rules: [
          { name: "v6cam", src: "2001:db8:100::/64", via: ["dsl", "cable"] },
          { name: "v4cam", src: "198.18.100.0/24", via: ["dsl", "cable"] },
        ],
      },
      dual.links.map(({ name, interface: iface, ipv6 }) => ({
        name,
        interface: iface,
        ...(ipv6 ? { ipv6: true } : {}),
      })),
    );
    const d = computeDesired(withRules, up4, null, {}, undefined, {
      inputs: inputs6({ dsl: "down", cable: "up" }),
      last: null,
    });
    expect(d.trafficRules.map((r) => [r.name, r.active])).toEqual([
      ["v6cam", "cable"],
      ["v4cam", "dsl"],
    ]);
    expect(d.nft.text).toContain('ip6 saddr 2001:db8:100::/64 goto via_0 comment "rule v6cam"');
    expect(d.nft.text).toContain('ip saddr 198.18.100.0/24 goto via_1 comment "rule v4cam"');
  });

  it("a rule without addresses gets one line per family, each following its family's liveness", () => {
    const rules = { rules: [{ name: "ping", proto: "icmp", via: ["dsl", "cable"] }] };
    const links = dual.links.map(({ name, interface: iface, ipv6 }) => ({
      name,
      interface: iface,
      ...(ipv6 ? { ipv6: true } : {}),
    }));
    const d = computeDesired(config(rules, links), up4, null, {}, undefined, {
      inputs: inputs6({ dsl: "down", cable: "up" }),
      last: null,
    });
    // dsl is up for IPv4, down for IPv6.
    expect(d.trafficRules).toEqual([
      { name: "ping", via: ["dsl", "cable"], active: "dsl", active6: "cable", fallback: "balance" },
    ]);
    const lines = d.nft.text.split("\n").map((l) => l.trim());
    expect(lines).toContain('meta nfproto ipv4 meta l4proto icmp goto via_0 comment "rule ping"');
    expect(lines).toContain('meta nfproto ipv6 meta l4proto ipv6-icmp goto via_1 comment "rule ping"');
    const marks = [...d.nft.vias].map(([name, v]) => [name, /\| (0x[0-9a-f]+) return/.exec(v.line)?.[1]]);
    const mark = (link: string) => `0x${(d.links.find((l) => l.name === link)?.mark ?? 0).toString(16)}`;
    expect(marks).toEqual([
      ["via_0", mark("dsl")],
      ["via_1", mark("cable")],
    ]);
    // Without any link's ipv6: one line for both families, IPv4's liveness, no active6.
    const plain = computeDesired(config(rules), up4, null);
    expect(plain.trafficRules[0]).not.toHaveProperty("active6");
    expect(plain.nft.text).toContain('meta l4proto { icmp, ipv6-icmp } goto via_0 comment "rule ping"');
  });

  it("IPv6 turned off by a reload: wanpilot's own IPv6 rules and routes go, and cleanup removes them too", () => {
    const on = computeDesired(dual, up4, null, {}, undefined, {
      inputs: inputs6({ dsl: "up", cable: "up" }),
      last: null,
    });
    const observed: ObservedState = {
      ...empty,
      v6: { rules: on.v6?.rules ?? [], routes: on.v6?.routes ?? [] },
    };
    const off = computeDesired(config(), up4, null);
    const batch6 = plan(off, observed).find((c) => c.kind === "ip-batch" && c.family === 6);
    const lines = batch6?.kind === "ip-batch" ? batch6.lines : [];
    expect(lines.filter((l) => l.startsWith("rule del"))).toHaveLength(on.v6?.rules.length ?? -1);
    expect(lines.filter((l) => l.startsWith("route del"))).toHaveLength(on.v6?.routes.length ?? -1);
    const clean = planCleanup(observed).find((c) => c.kind === "ip-batch" && c.family === 6);
    expect(clean?.kind === "ip-batch" ? clean.lines : []).toEqual(lines);
  });
});
