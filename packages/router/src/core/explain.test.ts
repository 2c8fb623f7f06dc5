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
