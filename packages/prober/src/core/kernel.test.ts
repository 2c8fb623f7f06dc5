import { describe, expect, it } from "vitest";
import {
  carrierLossFromMonitorLine,
  kernelFacts,
  monitorLineConcerns,
  pathReady,
  wanpilotTables,
} from "./kernel.js";

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
    // Without a path spec the path is not checked: true whenever the device exists.
    expect(kernelFacts(raw, configured)).toEqual({ ...expected, path: raw !== undefined });
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

describe("the router's path for a link (table 101, mark 0x100/0xff00)", () => {
  const want = { table: 101, mark: 0x100, mask: 0xff00 };
  const route = { dst: "default", gateway: "198.18.1.1", table: "101", flags: [] };
  const rule = { priority: 1101, src: "all", fwmark: "0x100", fwmask: "0xff00", table: "101" };
  it.each([
    { name: "route and mark rule: ready", routes: [route], rules: [rule], expected: true },
    { name: "no rule yet (the router is still starting)", routes: [route], rules: [], expected: false },
    { name: "no route in the link's table", routes: [], rules: [rule], expected: false },
    {
      name: "another link's mark",
      routes: [route],
      rules: [{ ...rule, fwmark: "0x200" }],
      expected: false,
    },
    {
      name: "the route in another table",
      routes: [{ ...route, table: "102" }],
      rules: [rule],
      expected: false,
    },
    {
      name: "full mask (ip prints none)",
      routes: [route],
      rules: [{ priority: 1101, src: "all", fwmark: "0x100", table: "101" }],
      expected: false,
    },
  ])("$name → $expected", ({ routes, rules, expected }) => {
    expect(pathReady(routes, rules, want)).toBe(expected);
  });

  it("a mark rule with the full mask matches a full-mask link", () => {
    const rules = [{ priority: 1101, src: "all", fwmark: "0x100", table: "101" }];
    expect(pathReady([route], rules, { ...want, mask: 0xffffffff })).toBe(true);
  });
});

describe("which ip monitor lines concern wan1 (table 101)", () => {
  it.each([
    { line: "3: wan1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500", expected: true },
    { line: "default via 198.18.1.1 dev wan1 table 101 proto static", expected: true },
    { line: "\tnexthop via 198.18.1.1 dev wan1 weight 1", expected: true },
    { line: "12: wan10: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500", expected: false },
    { line: "default via 198.18.10.1 dev wan10 table 110 proto static", expected: false },
    { line: "1101:\tfrom all fwmark 0x100/0xff00 lookup 101", expected: true },
    { line: "1110:\tfrom all fwmark 0xa00/0xff00 lookup 1010", expected: false },
    { line: "Deleted 3: wan1", expected: true },
  ])("$line → $expected", ({ line, expected }) => {
    expect(monitorLineConcerns(line, "wan1", 101)).toBe(expected);
  });
});
