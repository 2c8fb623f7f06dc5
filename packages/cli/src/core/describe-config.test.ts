import { testConfig } from "@wanpilot/testing";
import { describe, expect, it } from "vitest";
import { describeConfig } from "./describe-config.js";

describe("describeConfig", () => {
  const config = testConfig({
    gateway: "gw",
    links: [
      { name: "a", interface: "wan1", weight: 1, gateway: "198.51.100.1" },
      {
        name: "b",
        interface: "wan2",
        weight: 3,
        table: 200,
        ipv6: {
          gateway: "fe80::1",
          targets: ["2001:db8:ffff::1"],
          nat66: { npt: { lan: "fd00:1::/64", prefix: "2001:db8:1:100::/64" } },
        },
      },
      {
        name: "c",
        interface: "ppp0",
        tier: 2,
        probe: { targets: [{ host: "9.9.9.9", method: "tcp", port: 53 }] },
      },
    ],
    rules: [{ name: "voip", proto: "udp", dport: 5060, via: ["c", "a"] }],
    bus: {
      url: "mqtts://broker.example:8883",
      credentials_dir: "/etc/wanpilot/bus",
      username: "gw",
      password_file: "/etc/wanpilot/bus.pass",
    },
  });
  const text = describeConfig(config).join("\n");

  it.each([
    {
      what: "each link with interface, table, tier and weight",
      line: "  b: interface wan2, table 200, tier 1, weight 3",
    },
    { what: "assigned tables", line: "  a: interface wan1, table 101, tier 1, weight 1" },
    { what: "learned addresses", line: "    gateway learned, source learned" },
    {
      what: "a link's IPv6 with NPTv6",
      line: "    ipv6: gateway fe80::1, source learned, nat66 NPTv6 fd00:1::/64 ↔ 2001:db8:1:100::/64\n    ipv6 probe 2001:db8:ffff::1",
    },
    { what: "configured gateway", line: "    gateway 198.51.100.1, source learned" },
    { what: "probe targets by method", line: "    probe tcp 9.9.9.9:53 every" },
    {
      what: "probe traffic at full and standby rate",
      line: "    probe traffic ≈ 6.53 GB/month at full rate, 43.5 MB/month on standby (every 30s)",
    },
    { what: "probe traffic of a tcp target", line: "    probe traffic ≈ 2.90 GB/month at full rate" },
    { what: "tier shares", line: "  tier 1: a 25%, b 75%" },
    { what: "the backup tier", line: "  tier 2: c 100%" },
    { what: "rules", line: "  voip: udp dport 5060 via c > a (else balance)" },
    {
      what: "an external bus",
      line: "  external broker mqtts://broker.example:8883, each part's password in /etc/wanpilot/bus, user gw (password in /etc/wanpilot/bus.pass)",
    },
  ])("shows $what", ({ line }) => {
    expect(text).toContain(line);
  });
});
