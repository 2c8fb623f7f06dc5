import { describe, expect, it } from "vitest";
import { config, inputs } from "../../test/fixtures/core.js";
import { computeDesired } from "./desired.js";
import { explain } from "./explain.js";

const cfg = config({
  rules: [
    { name: "voip", dst: "203.0.113.0/24", proto: "udp", dport: "5060-5061", via: ["cable", "dsl"] },
    { name: "bank", src: "198.18.100.10", via: ["dsl"], fallback: "refuse" },
  ],
});

describe("explain", () => {
  it.each([
    {
      states: { dsl: "up", cable: "up" },
      q: { destination: "203.0.113.9", proto: "udp", dport: 5060 },
      link: "cable",
      reason: /rule voip: via cable$/,
    },
    {
      states: { dsl: "up", cable: "down" },
      q: { destination: "203.0.113.9", proto: "udp", dport: 5061 },
      link: "dsl",
      reason: /via dsl \(cable not live\)/,
    },
    {
      states: { dsl: "up", cable: "up" },
      q: { destination: "203.0.113.9", proto: "tcp", dport: 5060 },
      link: null,
      reason: /default route, tier 1: dsl weight 1, cable weight 4; hash l4/,
    },
    {
      states: { dsl: "down", cable: "up" },
      q: { destination: "203.0.113.9", from: "198.18.100.10" },
      link: null,
      reason: /rule bank: .* refused/,
    },
    {
      states: { dsl: "down", cable: "down", lte: "up" },
      q: { destination: "203.0.113.9" },
      link: "lte",
      reason: /tier 2: lte weight 1$/,
    },
  ])("$q → $link", ({ states, q, link, reason }) => {
    const d = computeDesired(cfg, inputs(states as never), null);
    const e = explain(cfg, d, q as never);
    expect(e.link).toBe(link);
    expect(e.reason).toMatch(reason);
  });

  it("shares follow weights", () => {
    const d = computeDesired(cfg, inputs({ dsl: "up", cable: "up" }), null);
    expect(explain(cfg, d, { destination: "203.0.113.1" }).candidates).toEqual([
      { link: "dsl", share: 0.2 },
      { link: "cable", share: 0.8 },
    ]);
  });
});

// dsl and cable have IPv6 on, lte (tier 2) does not.
const dual = config(
  {
    rules: [
      { name: "v6pin", dst: "2001:db8:ffff::/48", via: ["dsl"] },
      { name: "ssh", proto: "tcp", dport: 22, via: ["lte"] },
      { name: "web", proto: "tcp", dport: 443, via: ["cable", "dsl"] },
    ],
  },
  [
    { name: "dsl", interface: "wan1", weight: 1, ipv6: true },
    { name: "cable", interface: "wan2", weight: 4, ipv6: true },
    { name: "lte", interface: "wwan0", tier: 2 },
  ],
);
const V6: Record<string, string> = { dsl: "2001:db8:1::2", cable: "2001:db8:2::2" };
const inputs6 = (states: Record<string, string>) =>
  Object.entries(states).map(([name, state]) => ({
    name,
    state: state as never,
    source: V6[name] ?? null,
    gateway: "fe80::1",
    prefixLength: 64,
  }));

describe("explain IPv6 destinations", () => {
  const up4 = inputs({ dsl: "up", cable: "up", lte: "up" });
  it.each([
    {
      name: "IPv6's own default route: cable down for IPv6 only",
      states6: { dsl: "up", cable: "down" },
      q: { destination: "2001:db8:1234::1" },
      link: "dsl",
      reason: /^IPv6 default route, tier 1: dsl weight 1$/,
    },
    {
      name: "both up for IPv6: shares by weight",
      states6: { dsl: "up", cable: "up" },
      q: { destination: "2001:db8:1234::1" },
      link: null,
      reason: /^IPv6 default route, tier 1: dsl weight 1, cable weight 4; hash l4/,
    },
    {
      name: "an IPv6 rule follows IPv6 liveness",
      states6: { dsl: "up", cable: "up" },
      q: { destination: "2001:db8:ffff::100" },
      link: "dsl",
      reason: /^rule v6pin: via dsl$/,
    },
    {
      name: "an IPv6 rule whose link is down for IPv6 falls back to IPv6 balancing",
      states6: { dsl: "down", cable: "up" },
      q: { destination: "2001:db8:ffff::100" },
      link: "cable",
      reason: /^rule v6pin: no link of dsl is live; IPv6 default route, tier 1: cable weight 4$/,
    },
    {
      name: "a rule without addresses pinned to a link without IPv6: its IPv6 line falls back",
      states6: { dsl: "up", cable: "down" },
      q: { destination: "2001:db8:1234::1", proto: "tcp", dport: 22 },
      link: "dsl",
      reason: /^rule ssh: no link of lte is live; IPv6 default route, tier 1: dsl weight 1$/,
    },
    {
      name: "a rule without addresses follows IPv6 liveness for IPv6 (cable down for IPv6 only)",
      states6: { dsl: "up", cable: "down" },
      q: { destination: "2001:db8:1234::1", proto: "tcp", dport: 443 },
      link: "dsl",
      reason: /^rule web: via dsl \(cable not live\)$/,
    },
    {
      name: "… and IPv4 liveness for IPv4",
      states6: { dsl: "up", cable: "down" },
      q: { destination: "203.0.113.9", proto: "tcp", dport: 443 },
      link: "cable",
      reason: /^rule web: via cable$/,
    },
    {
      name: "every IPv6 link down (all_down: keep)",
      states6: { dsl: "down", cable: "down" },
      q: { destination: "2001:db8:1234::1" },
      link: null,
      reason: /^IPv6 default route, tier 1 \(all IPv6 links down: last routes kept\)/,
    },
    {
      name: "a source of the other family",
      states6: { dsl: "up", cable: "up" },
      q: { destination: "2001:db8:1234::1", from: "198.18.100.10" },
      link: null,
      reason: /not of the same family/,
    },
  ])("$name", ({ states6, q, link, reason }) => {
    const d = computeDesired(dual, up4, null, {}, undefined, { inputs: inputs6(states6), last: null });
    const e = explain(dual, d, q as never);
    expect({ link: e.link, reason: e.reason }).toEqual({ link, reason: expect.stringMatching(reason) });
  });

  it("an IPv4 destination is not matched by an IPv6 rule and takes IPv4's route", () => {
    const d = computeDesired(dual, inputs({ dsl: "down", cable: "up", lte: "up" }), null, {}, undefined, {
      inputs: inputs6({ dsl: "up", cable: "down" }),
      last: null,
    });
    expect(explain(dual, d, { destination: "203.0.113.9" })).toMatchObject({
      link: "cable",
      reason: "default route, tier 1: cable weight 4",
    });
  });

  it("without any link's ipv6, IPv6 is not wanpilot's", () => {
    const d = computeDesired(cfg, inputs({ dsl: "up", cable: "up" }), null);
    expect(explain(cfg, d, { destination: "2001:db8::1" }).reason).toMatch(/no link has ipv6 on/);
  });
});

describe("explain IPv6, all_down: unreachable", () => {
  it("every IPv6 link down: refused", () => {
    const c = { ...dual, balance: { ...dual.balance, all_down: "unreachable" as const } };
    const d = computeDesired(c, inputs({ dsl: "up", cable: "up" }), null, {}, undefined, {
      inputs: inputs6({ dsl: "down", cable: "down" }),
      last: null,
    });
    expect(explain(c, d, { destination: "2001:db8:1234::1" })).toMatchObject({
      refused: true,
      reason: "every IPv6 link is down; the IPv6 default route is unreachable",
    });
  });
});
