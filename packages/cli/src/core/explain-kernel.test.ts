import { describe, expect, it } from "vitest";
import { describeRoute, mainOverride } from "./explain-kernel.js";

const main = [
  { dst: "default", gateway: "198.18.1.1", dev: "wan1" },
  { dst: "198.18.1.0/24", dev: "wan1", prefsrc: "198.18.1.2" },
  { dst: "203.0.113.0/24", gateway: "198.18.2.1", dev: "wan2" },
  { dst: "203.0.113.0/28", dev: "tun0" },
  { dst: "203.0.113.99", type: "blackhole" },
];

describe("which main-table route overrides wanpilot", () => {
  it.each([
    ["203.0.113.5", "203.0.113.0/28"],
    ["203.0.113.77", "203.0.113.0/24"],
    ["198.18.1.9", "198.18.1.0/24"],
    ["198.51.100.1", null],
    ["203.0.113.99", "203.0.113.0/24"],
  ])("%s → %s", (dest, dst) => {
    expect(mainOverride(dest, main)?.dst ?? null).toBe(dst);
  });

  it("describes routes the way ip prints them", () => {
    expect(describeRoute({ dst: "203.0.113.5", gateway: "198.18.1.1", dev: "wan1", table: "101" })).toBe(
      "via 198.18.1.1 dev wan1 table 101",
    );
    expect(describeRoute({ dst: "203.0.113.5", dev: "tun0", table: "main" })).toBe("dev tun0");
    expect(describeRoute({ dst: "203.0.113.99", type: "unreachable", table: 100 })).toBe(
      "unreachable table 100",
    );
  });
});

describe("which IPv6 main-table route overrides wanpilot", () => {
  const main6 = [
    { dst: "2001:db8:100::/64", dev: "lan0" },
    { dst: "2001:db8:ffff::/48", dev: "tun0" },
    { dst: "2001:db8:ffff::100", type: "blackhole" },
    { dst: "fe80::/64", dev: "wan1" },
    { dst: "default", gateway: "fe80::1", dev: "wan1" },
  ];
  it.each([
    ["2001:db8:100::9", "2001:db8:100::/64"],
    ["2001:db8:ffff::100", "2001:db8:ffff::/48"],
    ["2001:db8:1234::1", null],
    ["fe80::99", "fe80::/64"],
  ])("%s → %s", (dest, dst) => {
    expect(mainOverride(dest, main6)?.dst ?? null).toBe(dst);
  });
});
