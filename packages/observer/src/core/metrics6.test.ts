import { validateConfig } from "@wanpilot/common";
import { describe, expect, it } from "vitest";
import { wanpilotFamilies } from "./metrics.js";
import { emptyState } from "./state.js";

const at = "2026-12-01T10:00:00.000Z";
const build = { version: "0", nodeVersion: "v20" };

function configOf(ipv6: boolean) {
  const r = validateConfig({ links: [{ name: "dsl", interface: "wan1", ...(ipv6 ? { ipv6: true } : {}) }] });
  if (!r.ok) throw new Error(r.problems.join("\n"));
  return r.config;
}

describe("IPv6 metrics", () => {
  it("per family: the link is up for IPv4 and down for IPv6; IPv4's families keep their meaning", () => {
    const s = emptyState();
    s.availability.set("prober/dsl", "online");
    s.availability.set("router", "online");
    const base = { link: "dsl", since: at, cause: "t", interface: "wan1", carrier: true, at };
    s.links.set("dsl", {
      ...base,
      state: "up",
      source: "198.18.1.2",
      gateway: "198.18.1.1",
      rttMs: 10,
      lossRatio: 0,
    });
    s.links6?.set("dsl", {
      ...base,
      family: "ipv6",
      state: "down",
      source: "2001:db8:1::2",
      gateway: "fe80::1",
      rttMs: null,
      lossRatio: 1,
    });
    s.router = {
      at,
      defaultRoute: { tier: 1, nexthops: [{ link: "dsl", weight: 1 }], mode: "balanced" },
      links: [
        {
          link: "dsl",
          state: "up",
          table: 101,
          active: true,
          weight: 1,
          connections: 4,
          override: null,
          stale: false,
        },
      ],
      rules: [],
      lastChange: null,
      ipv6: {
        defaultRoute: { tier: 1, nexthops: [], mode: "all-down-keep" },
        links: [{ link: "dsl", state: "down", active: false, weight: 0, connections: 0 }],
      },
    };
    const value = (name: string) =>
      wanpilotFamilies(configOf(true), s, build, 0)
        .find((f) => f.name === name)
        ?.samples.map((x) => [x.labels, x.value]);
    expect(value("wanpilot_link_up")).toEqual([[{ link: "dsl" }, 1]]);
    expect(value("wanpilot_link_ipv6_up")).toEqual([[{ link: "dsl" }, 0]]);
    expect(value("wanpilot_link_ipv6_active")).toEqual([[{ link: "dsl" }, 0]]);
    expect(value("wanpilot_link_ipv6_loss_ratio")).toEqual([[{ link: "dsl" }, 1]]);
    expect(value("wanpilot_link_ipv6_rtt_seconds")).toEqual([]);
    expect(value("wanpilot_link_connections")).toEqual([[{ link: "dsl" }, 4]]);
  });

  it("IPv6 RTT and loss from the periodic IPv6 health when newer than the IPv6 state", () => {
    const s = emptyState();
    s.availability.set("prober/dsl", "online");
    const base = { link: "dsl", since: at, cause: "t", interface: "wan1", carrier: true, at };
    s.links6?.set("dsl", {
      ...base,
      family: "ipv6",
      state: "up",
      source: "2001:db8:1::2",
      gateway: "fe80::1",
      rttMs: 20,
      lossRatio: 0,
    });
    const value = (name: string) =>
      wanpilotFamilies(configOf(true), s, build, 0)
        .find((f) => f.name === name)
        ?.samples.map((x) => x.value);
    expect([value("wanpilot_link_ipv6_rtt_seconds"), value("wanpilot_link_ipv6_loss_ratio")]).toEqual([
      [0.02],
      [0],
    ]);
    s.health6?.set("dsl", {
      link: "dsl",
      at: "2026-12-01T10:00:04.000Z",
      windowMs: 10_000,
      state: "up",
      rtt: { meanMs: 35, minMs: 30, maxMs: 40, jitterMs: 2 },
      lossRatio: 0.25,
      targets: [],
    });
    expect([value("wanpilot_link_ipv6_rtt_seconds"), value("wanpilot_link_ipv6_loss_ratio")]).toEqual([
      [0.035],
      [0.25],
    ]);
  });

  it("no IPv6 family without a link that has ipv6 on", () => {
    const names = wanpilotFamilies(configOf(false), emptyState(), build, 0).map((f) => f.name);
    expect(names.filter((n) => n.includes("ipv6"))).toEqual([]);
  });
});
