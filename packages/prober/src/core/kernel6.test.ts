import { describe, expect, it } from "vitest";
import { kernelFacts } from "./kernel.js";

// `ip -N -json` output as read from a lab WAN with IPv6 (scopes are numbers with -N: 0 global, 253 link).
const link = [{ ifname: "wan1", flags: ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"] }];
const addr = [
  {
    addr_info: [
      { family: "inet", local: "198.18.1.2", prefixlen: 24, scope: "0" },
      { family: "inet6", local: "fe80::407:76ff:fe03:cb99", prefixlen: 64, scope: "253" },
      { family: "inet6", local: "2001:db8:1::2", prefixlen: 64, scope: "0" },
    ],
  },
];
const routes = [
  { dst: "2001:db8:1::/64", protocol: "2", metric: 256 },
  { dst: "default", gateway: "fe80::5", table: "101", protocol: "77", metric: 1024 },
  { dst: "default", gateway: "fe80::1", protocol: "9", metric: 1024 },
];

describe("kernelFacts for IPv6", () => {
  it("the global address is the source; the router advertisement's gateway is learned, wanpilot's own tables are not", () => {
    expect(kernelFacts({ link, addr, routes }, {}, [101, 100], undefined, 6)).toEqual({
      view: { present: true, carrier: true, source: "2001:db8:1::2" },
      gateway: "fe80::1",
      prefixLength: 64,
      path: true,
    });
  });

  it("configured values win; a configured source the interface does not have is no source", () => {
    expect(kernelFacts({ link, addr, routes }, { gateway: "fe80::9" }, [], undefined, 6).gateway).toBe(
      "fe80::9",
    );
    expect(
      kernelFacts({ link, addr, routes }, { source: "2001:db8:1::7" }, [], undefined, 6).view.source,
    ).toBeNull();
  });

  it("IPv4 reads only IPv4 addresses", () => {
    expect(kernelFacts({ link, addr, routes: [] }, {}, [], undefined, 4).view.source).toBe("198.18.1.2");
  });
});
