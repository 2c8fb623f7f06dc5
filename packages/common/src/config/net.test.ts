import { describe, expect, it } from "vitest";
import { InterfaceName, isIpv4, isIpv4Prefix, isLoopbackHost, splitHostPort } from "./net.js";

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
