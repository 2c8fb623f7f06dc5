import { type LinkConfig, validateConfig } from "@wanpilot/common";
import { describe, expect, it } from "vitest";
import { linkInput6 } from "./state6.js";

const config = (ipv6: unknown) => {
  const r = validateConfig({ links: [{ name: "dsl", interface: "wan1", ipv6 }] });
  if (!r.ok) throw new Error(r.problems.join("\n"));
  return r.config.links[0] as LinkConfig;
};
const own = [{ local: "2001:db8:1::2", prefixLength: 64, peer: null }];
const state = (source: string, gateway: string) => ({
  link: "dsl",
  family: "ipv6" as const,
  state: "up" as const,
  since: "2026-12-01T09:00:00.000Z",
  cause: "t",
  interface: "wan1",
  source,
  gateway,
  carrier: true,
  rttMs: 1,
  lossRatio: 0,
  at: "2026-12-01T09:00:00.000Z",
});

describe("linkInput6: what a learned IPv6 source and gateway may be", () => {
  it.each([
    {
      name: "learned, agreeing with the interface",
      cfg: true,
      st: state("2001:db8:1::2", "fe80::1"),
      source: "2001:db8:1::2",
      gateway: "fe80::1",
    },
    {
      name: "a global gateway in the interface's prefix",
      cfg: true,
      st: state("2001:db8:1::2", "2001:db8:1::1"),
      source: "2001:db8:1::2",
      gateway: "2001:db8:1::1",
    },
    {
      name: "a forged source (not the interface's) → the interface's own",
      cfg: true,
      st: state("2001:db8:100::2", "fe80::1"),
      source: "2001:db8:1::2",
      gateway: "fe80::1",
    },
    {
      name: "a forged gateway on another network → none",
      cfg: true,
      st: state("2001:db8:1::2", "2001:db8:2::1"),
      source: "2001:db8:1::2",
      gateway: null,
    },
    {
      name: "configured always wins",
      cfg: { gateway: "fe80::9", source: "2001:db8:1::7" },
      st: state("2001:db8:1::2", "fe80::1"),
      source: "2001:db8:1::7",
      gateway: "fe80::9",
    },
  ])("$name", ({ cfg, st, source, gateway }) => {
    const input = linkInput6(config(cfg), st, own);
    expect([input.source, input.gateway, input.prefixLength]).toEqual([
      source,
      gateway,
      source === "2001:db8:1::2" ? 64 : null,
    ]);
  });

  it("without a state: the interface's address and the gateway wanpilot wrote (if on-link)", () => {
    expect(linkInput6(config(true), undefined, own, "fe80::1")).toMatchObject({
      state: "unknown",
      source: "2001:db8:1::2",
      gateway: "fe80::1",
    });
    expect(linkInput6(config(true), undefined, [], "2001:db8:9::1")).toMatchObject({
      source: null,
      gateway: null,
    });
  });
});
