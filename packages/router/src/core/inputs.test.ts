import type { LinkConfig, LinkState } from "@wanpilot/common";
import { describe, expect, it } from "vitest";
import { config } from "../../test/fixtures/core.js";
import { linkInput } from "./inputs.js";

const link = config().links[0] as LinkConfig;
const eth = [{ local: "198.18.1.2", prefixLength: 24, peer: null }];
const state = (source: string | null, gateway: string | null): LinkState => ({
  link: link.name,
  state: "up",
  since: "2026-01-01T00:00:00Z",
  cause: "test",
  interface: link.interface,
  source,
  gateway,
  carrier: true,
  rttMs: 1,
  lossRatio: 0,
  at: "2026-01-01T00:00:00Z",
});

describe("linkInput: configured values win, learned ones only when the kernel agrees", () => {
  it.each([
    {
      name: "learned, on the interface",
      s: state("198.18.1.2", "198.18.1.1"),
      src: "198.18.1.2",
      gw: "198.18.1.1",
    },
    {
      name: "forged source: the interface's own",
      s: state("198.18.100.7", "198.18.1.1"),
      src: "198.18.1.2",
      gw: "198.18.1.1",
    },
    {
      name: "forged gateway off-link: the kernel's",
      s: state("198.18.1.2", "198.18.2.1"),
      src: "198.18.1.2",
      gw: "198.18.1.9",
    },
    {
      name: "the gateway is not our own address",
      s: state("198.18.1.2", "198.18.1.2"),
      src: "198.18.1.2",
      gw: "198.18.1.9",
    },
  ])("$name", ({ s, src, gw }) => {
    const input = linkInput({ ...link, source: undefined, gateway: undefined }, s, eth, "198.18.1.9");
    expect([input.source, input.gateway, input.prefixLength, input.state]).toEqual([src, gw, 24, "up"]);
  });

  it("configured source and gateway win over any state", () => {
    const input = linkInput(
      { ...link, source: "198.18.1.2", gateway: "198.18.1.254" },
      state("198.18.1.2", "198.18.1.1"),
      eth,
    );
    expect([input.source, input.gateway]).toEqual(["198.18.1.2", "198.18.1.254"]);
  });

  it("a point-to-point peer is on-link", () => {
    const ppp = [{ local: "198.18.9.2", prefixLength: 32, peer: "198.18.9.1" }];
    const input = linkInput(
      { ...link, source: undefined, gateway: undefined },
      state("198.18.9.2", "198.18.9.1"),
      ppp,
    );
    expect([input.source, input.gateway]).toEqual(["198.18.9.2", "198.18.9.1"]);
  });
});
