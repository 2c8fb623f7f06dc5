import { describe, expect, it } from "vitest";
import { isLinkLocal6 } from "./ipv6.js";
import { inIpv6Prefix, isIpv6Prefix, network6, sameNetwork6 } from "./net6.js";

describe("IPv6 arithmetic", () => {
  it.each([
    ["2001:db8:1::2", 64, "2001:db8:1::/64"],
    ["2001:0DB8:0001:0000:0000:0000:0000:0002", 64, "2001:db8:1::/64"],
    ["2001:db8:1:2:3:4:5:6", 48, "2001:db8:1::/48"],
    ["2001:db8:1:2:3:4:5:6", 56, "2001:db8:1::/56"],
    ["2001:db8:1:ff:3:4:5:6", 60, "2001:db8:1:f0::/60"],
    ["2001:db8:0:0:1:0:0:1", 128, "2001:db8::1:0:0:1/128"],
    ["fe80::1", 10, "fe80::/10"],
  ] as const)("network6(%s, %i) = %s", (address, len, expected) => {
    expect(network6(address, len)).toBe(expected);
  });

  it.each([
    ["2001:db8:100::/64", true],
    ["2001:db8:100::1", true],
    ["2001:db8:100::1/64", false],
    ["2001:db8::/129", false],
    ["198.18.0.0/15", false],
    ["::/0", true],
  ])("isIpv6Prefix(%s) = %s", (value, ok) => {
    expect(isIpv6Prefix(value)).toBe(ok);
  });

  it("compares networks and tells link-local apart", () => {
    expect(sameNetwork6("2001:db8:1::1", "2001:db8:1::2", 64)).toBe(true);
    expect(sameNetwork6("2001:db8:2::1", "2001:db8:1::2", 64)).toBe(false);
    expect(network6("198.18.1.1", 64)).toBeNull();
    expect([
      isLinkLocal6("fe80::1"),
      isLinkLocal6("febf::1"),
      isLinkLocal6("fec0::1"),
      isLinkLocal6("2001:db8::1"),
    ]).toEqual([true, true, false, false]);
  });

  it.each([
    ["2001:db8:ffff::100", "2001:db8:ffff::/48", true],
    ["2001:db8:fffe::100", "2001:db8:ffff::/48", false],
    ["2001:db8:ffff::100", "2001:db8:ffff::100", true],
    ["2001:db8:ffff::101", "2001:db8:ffff::100", false],
    ["2001:db8::1", "::/0", true],
    ["198.18.1.1", "::/0", false],
  ])("inIpv6Prefix(%s, %s) = %s", (address, prefix, inside) => {
    expect(inIpv6Prefix(address, prefix)).toBe(inside);
  });
});
