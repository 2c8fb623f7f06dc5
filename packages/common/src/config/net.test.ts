import { describe, expect, it } from "vitest";
import {
  InterfaceName,
  inIpv4Prefix,
  ipv4Network,
  ipv4ToNumber,
  isIpv4,
  isIpv4Prefix,
  isLoopbackHost,
  numberToIpv4,
  splitHostPort,
} from "./net.js";

describe("addresses", () => {
  it.each([
    ["198.51.100.1", true],
    ["0.0.0.0", true],
    ["255.255.255.255", true],
    ["256.1.1.1", false],
    ["1.2.3", false],
    ["01.2.3.4", false],
    ["1.2.3.4 ", false],
    ["-1.2.3.4", false],
  ])("isIpv4(%s) = %s", (v, ok) => expect(isIpv4(v)).toBe(ok));

  it.each([
    ["198.51.100.0/24", true],
    ["198.51.100.7", true],
    ["0.0.0.0/0", true],
    ["198.51.100.1/24", false],
    ["10.0.0.0/33", false],
    ["10.0.0.0/", false],
    ["10.0.0.0/8/8", false],
  ])("isIpv4Prefix(%s) = %s", (v, ok) => expect(isIpv4Prefix(v)).toBe(ok));

  it("splits host:port, including bracketed IPv6", () => {
    expect(splitHostPort("127.0.0.1:1883")).toEqual({ host: "127.0.0.1", port: 1883 });
    expect(splitHostPort("[::1]:1883")).toEqual({ host: "::1", port: 1883 });
    expect(isLoopbackHost("127.0.0.2")).toBe(true);
    expect(isLoopbackHost("0.0.0.0")).toBe(false);
  });
});

describe("InterfaceName", () => {
  it.each(["wan1", "eth0.100", "ppp0", "wwan0", "enp3s0f1", "lte_modem-1", "a23456789012345"])(
    "accepts %s",
    (n) => expect(InterfaceName.safeParse(n).success).toBe(true),
  );
  it.each([
    "",
    "a234567890123456",
    "wan1; reboot",
    "-all",
    "wan 1",
    "eth0:1",
    "a/b",
    ".",
    "..",
    "wan1\nreboot",
    "$(x)",
  ])("refuses %j", (n) => expect(InterfaceName.safeParse(n).success).toBe(false));
});

describe("IPv4 arithmetic", () => {
  it("converts both ways", () => {
    expect(ipv4ToNumber("198.18.1.2")).toBe(0xc6120102);
    expect(numberToIpv4(0xc6120102)).toBe("198.18.1.2");
    expect(ipv4ToNumber("255.255.255.255")).toBe(0xffffffff);
  });
  it.each([
    ["198.18.1.77", 24, "198.18.1.0/24"],
    ["198.19.255.1", 15, "198.18.0.0/15"],
    ["10.0.0.5", 32, "10.0.0.5/32"],
    ["10.0.0.5", 0, "0.0.0.0/0"],
  ])("network of %s/%d is %s", (a, len, net) => expect(ipv4Network(a, len)).toBe(net));
  it.each([
    ["198.18.1.77", "198.18.0.0/15", true],
    ["198.20.0.1", "198.18.0.0/15", false],
    ["203.0.113.9", "203.0.113.9", true],
    ["203.0.113.8", "203.0.113.9", false],
    ["8.8.8.8", "0.0.0.0/0", true],
  ])("%s in %s: %s", (a, prefix, yes) => expect(inIpv4Prefix(a, prefix)).toBe(yes));
});
