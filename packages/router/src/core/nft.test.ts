import type { TrafficRule } from "@wanpilot/common";
import { describe, expect, it } from "vitest";
import { parseNftListing, ruleMatch } from "./nft.js";

describe("parseNftListing", () => {
  it("reads the table hash and each via chain's tag from nft's own listing", () => {
    const listing = `table inet wanpilot {
	comment "wanpilot 0123456789abcdef"
	chain rules {
		tcp dport 443 goto via_0 comment "rule pin"
	}

	chain via_0 {
		meta mark set meta mark & 0xff01ffff | 0x00010000 return comment "v aaaa000011112222"
	}

	chain via_1 {
	}
}`;
    expect(parseNftListing(listing)).toEqual({
      hash: "0123456789abcdef",
      vias: new Map([
        ["via_0", "aaaa000011112222"],
        ["via_1", ""],
      ]),
    });
  });
});

describe("ruleMatch: proto icmp per family", () => {
  const rule = (r: Partial<TrafficRule>): TrafficRule => ({
    name: "p",
    proto: "icmp",
    via: ["a"],
    fallback: "balance",
    ...r,
  });
  it.each([
    { rule: rule({}), expected: "meta l4proto { icmp, ipv6-icmp }" },
    { rule: rule({ dst: "203.0.113.0/24" }), expected: "ip daddr 203.0.113.0/24 meta l4proto icmp" },
    {
      rule: rule({ dst: "2001:db8:ffff::/48" }),
      expected: "ip6 daddr 2001:db8:ffff::/48 meta l4proto ipv6-icmp",
    },
    {
      rule: rule({ src: "2001:db8:100::/64", iif: "lan0" }),
      expected: 'iifname "lan0" ip6 saddr 2001:db8:100::/64 meta l4proto ipv6-icmp',
    },
  ])("$expected", ({ rule, expected }) => {
    expect(ruleMatch(rule)).toBe(expected);
  });
});
