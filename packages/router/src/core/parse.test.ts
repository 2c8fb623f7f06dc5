import { describe, expect, it } from "vitest";
import { parseAddresses, parseRoutes, parseRules } from "./parse.js";

// Samples printed by iproute2 6.1 on this kernel (`ip -4 -json rule/route/addr`).
describe("parseRules", () => {
  it.each([
    {
      json: { priority: 0, src: "all", table: "local" },
      expected: {
        priority: 0,
        src: "all",
        fwmark: null,
        fwmask: null,
        table: 255,
        suppressPrefixLength: null,
      },
    },
    {
      json: { priority: 10000, src: "all", table: "main", suppress_prefixlen: 0 },
      expected: {
        priority: 10000,
        src: "all",
        fwmark: null,
        fwmask: null,
        table: 254,
        suppressPrefixLength: 0,
      },
    },
    {
      json: { priority: 10100, src: "198.18.1.2", table: "101" },
      expected: {
        priority: 10100,
        src: "198.18.1.2",
        fwmark: null,
        fwmask: null,
        table: 101,
        suppressPrefixLength: null,
      },
    },
    {
      json: { priority: 500, src: "198.18.77.0", srclen: 24, table: "77" },
      expected: {
        priority: 500,
        src: "198.18.77.0/24",
        fwmark: null,
        fwmask: null,
        table: 77,
        suppressPrefixLength: null,
      },
    },
    {
      json: { priority: 10400, src: "all", fwmark: "0x10000", fwmask: "0xff0000", table: "101" },
      expected: {
        priority: 10400,
        src: "all",
        fwmark: 0x10000,
        fwmask: 0xff0000,
        table: 101,
        suppressPrefixLength: null,
      },
    },
    {
      json: { priority: 9, src: "all", fwmark: "0x7", table: "9" },
      expected: {
        priority: 9,
        src: "all",
        fwmark: 7,
        fwmask: 0xffffffff,
        table: 9,
        suppressPrefixLength: null,
      },
    },
    {
      // As `ip -json rule` prints a probe-ports rule (iproute2 6.1).
      json: { priority: 10201, src: "all", iif: "lo", sport_start: 61016, sport_end: 61031, table: "102" },
      expected: {
        priority: 10201,
        src: "all",
        iif: "lo",
        sport: { first: 61016, last: 61031 },
        fwmark: null,
        fwmask: null,
        table: 102,
        suppressPrefixLength: null,
      },
    },
  ])("$json", ({ json, expected }) => {
    expect(parseRules([json])).toEqual([expected]);
  });
});

describe("parseRoutes", () => {
  it.each([
    {
      json: {
        dst: "default",
        table: "100",
        flags: [],
        nexthops: [
          { gateway: "198.18.1.1", dev: "wan1", weight: 1, flags: [] },
          { gateway: "198.18.2.1", dev: "wan2", weight: 4, flags: [] },
        ],
      },
      expected: {
        table: 100,
        dst: "default",
        type: "unicast",
        metric: 0,
        nexthops: [
          { gateway: "198.18.1.1", dev: "wan1", weight: 1 },
          { gateway: "198.18.2.1", dev: "wan2", weight: 4 },
        ],
        src: null,
      },
    },
    {
      json: {
        dst: "198.18.1.0/30",
        dev: "wan1",
        table: "101",
        scope: "link",
        prefsrc: "198.18.1.2",
        flags: ["linkdown"],
      },
      expected: {
        table: 101,
        dst: "198.18.1.0/30",
        type: "unicast",
        metric: 0,
        nexthops: [{ gateway: null, dev: "wan1", weight: 1 }],
        src: "198.18.1.2",
      },
    },
    {
      json: { type: "unreachable", dst: "default", table: "102", flags: [] },
      expected: { table: 102, dst: "default", type: "unreachable", metric: 0, nexthops: [], src: null },
    },
    {
      json: { dst: "default", gateway: "198.18.2.1", dev: "wan2", table: "104", metric: 5, flags: [] },
      expected: {
        table: 104,
        dst: "default",
        type: "unicast",
        metric: 5,
        nexthops: [{ gateway: "198.18.2.1", dev: "wan2", weight: 1 }],
        src: null,
      },
    },
    {
      json: {
        dst: "198.18.2.0/30",
        dev: "wan2",
        protocol: "kernel",
        scope: "link",
        prefsrc: "198.18.2.2",
        flags: [],
      },
      expected: {
        table: 254,
        dst: "198.18.2.0/30",
        type: "unicast",
        metric: 0,
        nexthops: [{ gateway: null, dev: "wan2", weight: 1 }],
        src: "198.18.2.2",
      },
    },
  ])("$json.dst table $json.table", ({ json, expected }) => {
    expect(parseRoutes([json])).toEqual([expected]);
  });
});

describe("parseAddresses", () => {
  it("IPv4 addresses, prefixes and point-to-point peers per interface", () => {
    const json = [
      { ifindex: 1, ifname: "lo", addr_info: [{ family: "inet", local: "127.0.0.1", prefixlen: 8 }] },
      { ifindex: 5, ifname: "wan1", addr_info: [{ family: "inet", local: "198.18.1.2", prefixlen: 24 }] },
      { ifindex: 6, ifname: "wan2", addr_info: [] },
      {
        ifindex: 7,
        ifname: "ppp0",
        addr_info: [{ family: "inet", local: "198.18.9.2", address: "198.18.9.1", prefixlen: 32 }],
      },
    ];
    expect([...parseAddresses(json)]).toEqual([
      ["lo", [{ local: "127.0.0.1", prefixLength: 8, peer: null }]],
      ["wan1", [{ local: "198.18.1.2", prefixLength: 24, peer: null }]],
      ["ppp0", [{ local: "198.18.9.2", prefixLength: 32, peer: "198.18.9.1" }]],
    ]);
  });
  it("an interface set down has no usable address (the kernel holds no routes through it)", () => {
    const json = [
      {
        ifname: "wan1",
        flags: ["BROADCAST", "MULTICAST", "M-DOWN"],
        addr_info: [{ family: "inet", local: "198.18.1.2", prefixlen: 24 }],
      },
      {
        ifname: "wan2",
        flags: ["NO-CARRIER", "BROADCAST", "MULTICAST", "UP"],
        addr_info: [{ family: "inet", local: "198.18.2.2", prefixlen: 24 }],
      },
    ];
    expect([...parseAddresses(json).keys()]).toEqual(["wan2"]);
  });
  it("anything that is not a list is no addresses", () => {
    expect(parseAddresses({}).size).toBe(0);
    expect(parseRules(null)).toEqual([]);
    expect(parseRoutes("x")).toEqual([]);
  });
});
