import { describe, expect, it } from "vitest";
import { carrierLossFromMonitorLine, kernelFacts, wanpilotTables } from "./kernel.js";

const link = (flags: string[]) => [{ ifname: "wan1", flags }];
const addr = (...a: object[]) => [{ ifname: "wan1", addr_info: a }];
const up = link(["BROADCAST", "MULTICAST", "UP", "LOWER_UP"]);

describe("kernel facts", () => {
  it.each([
    {
      name: "no such device",
      raw: undefined,
      configured: {},
      expected: { view: { present: false, carrier: false, source: null }, gateway: null, prefixLength: null },
    },
    {
      name: "learned address and DHCP gateway (lowest metric wins)",
      raw: {
        link: up,
        addr: addr({ family: "inet", local: "198.18.1.2", prefixlen: 24 }),
        routes: [
          { dst: "198.18.1.0/24", prefsrc: "198.18.1.2" },
          { dst: "default", gateway: "198.18.1.254", metric: 200 },
          { dst: "default", gateway: "198.18.1.1", metric: 100, table: "101" },
        ],
      },
      configured: {},
      expected: {
        view: { present: true, carrier: true, source: "198.18.1.2" },
        gateway: "198.18.1.1",
        prefixLength: 24,
      },
    },
    {
      name: "carrier lost",
      raw: {
        link: link(["BROADCAST", "UP", "NO-CARRIER"]),
        addr: addr({ family: "inet", local: "198.18.1.2" }),
        routes: [],
      },
      configured: { gateway: "198.18.1.1" },
      expected: {
        view: { present: true, carrier: false, source: "198.18.1.2" },
        gateway: "198.18.1.1",
        prefixLength: null,
      },
    },
    {
      name: "configured source missing from the interface",
      raw: { link: up, addr: addr({ family: "inet", local: "198.18.1.3" }), routes: [] },
      configured: { source: "198.18.1.2" },
      expected: { view: { present: true, carrier: true, source: null }, gateway: null, prefixLength: null },
    },
    {
      name: "PPP: the peer address is the gateway",
      raw: {
        link: link(["POINTOPOINT", "UP", "LOWER_UP"]),
        addr: addr({ family: "inet", local: "198.18.5.2", address: "198.18.5.1", prefixlen: 32 }),
        routes: [],
      },
      configured: {},
      expected: {
        view: { present: true, carrier: true, source: "198.18.5.2" },
        gateway: "198.18.5.1",
        prefixLength: 32,
      },
    },
    {
      name: "secondary addresses come after primary ones",
      raw: {
        link: up,
        addr: addr(
          { family: "inet", local: "198.18.1.9", secondary: true },
          { family: "inet", local: "198.18.1.2" },
        ),
        routes: [],
      },
      configured: {},
      expected: {
        view: { present: true, carrier: true, source: "198.18.1.2" },
        gateway: null,
        prefixLength: null,
      },
    },
  ])("$name", ({ raw, configured, expected }) => {
    expect(kernelFacts(raw, configured)).toEqual(expected);
  });
});

describe("ip monitor fast path", () => {
  it.each([
    {
      line: "3: wan1: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc noqueue state DOWN group default",
      expected: "carrier",
    },
    {
      line: "3: wan1@if4: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> mtu 1500 state LOWERLAYERDOWN",
      expected: "carrier",
    },
    { line: "3: wan1: <BROADCAST,MULTICAST> mtu 1500 qdisc noqueue state DOWN", expected: "carrier" },
    { line: "Deleted 3: wan1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500", expected: "gone" },
    { line: "3: wan1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 state UP", expected: undefined },
    { line: "3: wan10: <NO-CARRIER,BROADCAST,UP> mtu 1500 state DOWN", expected: undefined },
    { line: "3: wan1    inet 198.18.1.2/24 scope global wan1", expected: undefined },
    { line: "default via 198.18.1.1 dev wan1 table 101", expected: undefined },
  ])("$line", ({ line, expected }) => {
    expect(carrierLossFromMonitorLine(line, "wan1")).toBe(expected);
  });
});

describe("learning the gateway ignores wanpilot's own tables", () => {
  const raw = (routes: object[]) => ({
    link: up,
    addr: addr({ family: "inet", local: "198.18.1.2" }),
    routes,
  });
  it.each([
    {
      name: "the router's stale route in table 101 loses to the DHCP client's in main",
      routes: [
        { dst: "default", gateway: "198.18.1.1", table: "101" },
        { dst: "default", gateway: "198.18.7.1", metric: 1001 },
      ],
      expected: "198.18.7.1",
    },
    {
      name: "only wanpilot's route: nothing learned",
      routes: [{ dst: "default", gateway: "198.18.1.1", table: "100" }],
      expected: null,
    },
    {
      name: "another table of the DHCP client's counts",
      routes: [{ dst: "default", gateway: "198.18.1.9", table: "300" }],
      expected: "198.18.1.9",
    },
  ])("$name", ({ routes, expected }) => {
    expect(kernelFacts(raw(routes), {}, wanpilotTables([101, 102])).gateway).toBe(expected);
  });

  it.each([
    { links: [101, 102], expected: [101, 102, 100] },
    { links: [100, 101], expected: [100, 101, 99] },
  ])("tables of links $links", ({ links, expected }) => {
    expect(wanpilotTables(links)).toEqual(expected);
  });
});
