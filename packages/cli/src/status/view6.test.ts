import { topics, validateConfig } from "@wanpilot/common";
import { describe, expect, it } from "vitest";
import { applyMessage, emptySnapshot } from "./collect.js";
import { formatStatus } from "./format.js";
import { buildStatusView } from "./view.js";

const parsed = validateConfig({
  gateway: "gw",
  links: [
    { name: "dsl", interface: "wan1", weight: 1, ipv6: true },
    { name: "cable", interface: "wan2", weight: 4 },
  ],
});
if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
const config = parsed.config;
const at = "2026-11-29T11:59:59Z";
const state = (family: "ipv4" | "ipv6", s: string) =>
  Buffer.from(
    JSON.stringify({
      link: "dsl",
      state: s,
      since: "2026-11-29T11:57:30Z",
      cause: `${family} test`,
      interface: "wan1",
      source: family === "ipv6" ? "2001:db8:1::2" : "198.18.1.2",
      gateway: family === "ipv6" ? "fe80::1" : "198.18.1.1",
      carrier: true,
      rttMs: 12.5,
      lossRatio: 0,
      at,
      ...(family === "ipv6" ? { family } : {}),
    }),
  );
const router = Buffer.from(
  JSON.stringify({
    at,
    defaultRoute: {
      tier: 1,
      nexthops: [
        { link: "dsl", weight: 1 },
        { link: "cable", weight: 4 },
      ],
      mode: "balanced",
    },
    links: [
      { link: "dsl", state: "up", table: 101, active: true, weight: 1, connections: 3 },
      { link: "cable", state: "up", table: 102, active: true, weight: 4, connections: 9 },
    ],
    rules: [],
    lastChange: null,
    ipv6: {
      defaultRoute: { tier: null, nexthops: [{ link: "dsl", weight: 1 }], mode: "all-down-keep" },
      links: [{ link: "dsl", state: "down", active: true, weight: 1, connections: 2 }],
    },
  }),
);

describe("status with IPv6", () => {
  it("shows each family's state: IPv4 fields keep their meaning, IPv6 beside them", () => {
    const snap = emptySnapshot();
    expect(applyMessage(snap, topics.linkState("gw", "dsl"), state("ipv4", "up"))).toBe(true);
    expect(applyMessage(snap, topics.linkState6("gw", "dsl"), state("ipv6", "down"))).toBe(true);
    expect(applyMessage(snap, topics.routerState("gw"), router)).toBe(true);
    const view = buildStatusView(config, snap);
    expect(view.links[0]).toMatchObject({ state: "up", source: "198.18.1.2", connections: 3 });
    expect(view.links[0]?.ipv6).toMatchObject({
      state: "down",
      source: "2001:db8:1::2",
      gateway: "fe80::1",
      connections: 2,
    });
    expect(view.links[1]?.ipv6).toBeUndefined();
    expect(view.ipv6?.defaultRoute?.mode).toBe("all-down-keep");
    const text = formatStatus(view, Date.parse("2026-11-29T12:00:00Z"));
    expect(text).toMatch(/└ ipv6\s+DOWN\s+2m30s/);
    expect(text).toContain("IPv6 default route: dsl×1 (tier -, all-down-keep)");
  });

  it("IPv6 RTT and loss come from the periodic IPv6 health once newer than the state", () => {
    const snap = emptySnapshot();
    applyMessage(snap, topics.linkState6("gw", "dsl"), state("ipv6", "up"));
    const health = (rttMs: number, lossRatio: number, atIso: string) =>
      Buffer.from(
        JSON.stringify({
          link: "dsl",
          at: atIso,
          windowMs: 10_000,
          state: "up",
          rtt: { meanMs: rttMs, minMs: rttMs, maxMs: rttMs, jitterMs: 0 },
          lossRatio,
          targets: [],
        }),
      );
    expect(buildStatusView(config, snap).links[0]?.ipv6).toMatchObject({ rttMs: 12.5, lossRatio: 0 });
    // IPv4's health does not feed IPv6's figures; an older IPv6 health does not either.
    applyMessage(snap, topics.linkHealth("gw", "dsl"), health(99, 0.5, "2026-11-29T12:00:05Z"));
    expect(applyMessage(snap, topics.linkHealth6("gw", "dsl"), health(40, 0.2, "2026-11-29T11:59:00Z"))).toBe(
      true,
    );
    expect(buildStatusView(config, snap).links[0]?.ipv6).toMatchObject({ rttMs: 12.5, lossRatio: 0 });
    applyMessage(snap, topics.linkHealth6("gw", "dsl"), health(31.5, 0.1, "2026-11-29T12:00:04Z"));
    expect(buildStatusView(config, snap).links[0]?.ipv6).toMatchObject({ rttMs: 31.5, lossRatio: 0.1 });
  });

  it("a config without IPv6 shows no IPv6 at all", () => {
    const plain = validateConfig({ links: [{ name: "dsl", interface: "wan1" }] });
    if (!plain.ok) throw new Error("invalid");
    const view = buildStatusView(plain.config, emptySnapshot());
    expect([view.ipv6, view.links[0]?.ipv6]).toEqual([undefined, undefined]);
    expect(formatStatus(view, 0)).not.toContain("ipv6");
  });
});
