import { describe, expect, it } from "vitest";
import { kernelFacts } from "./kernel.js";

const link = (flags: string[]) => [{ ifname: "wan1", flags }];
const addr = (...a: object[]) => [{ ifname: "wan1", addr_info: a }];
const up = link(["BROADCAST", "MULTICAST", "UP", "LOWER_UP"]);

describe("kernel facts", () => {
  it.each([
    {
      name: "no such device",
      raw: undefined,
      configured: {},
      expected: { view: { present: false, carrier: false, source: null }, gateway: null },
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
      expected: { view: { present: true, carrier: true, source: "198.18.1.2" }, gateway: "198.18.1.1" },
    },
    {
      name: "carrier lost",
      raw: {
        link: link(["BROADCAST", "UP", "NO-CARRIER"]),
        addr: addr({ family: "inet", local: "198.18.1.2" }),
        routes: [],
      },
      configured: { gateway: "198.18.1.1" },
      expected: { view: { present: true, carrier: false, source: "198.18.1.2" }, gateway: "198.18.1.1" },
    },
    {
      name: "configured source missing from the interface",
      raw: { link: up, addr: addr({ family: "inet", local: "198.18.1.3" }), routes: [] },
      configured: { source: "198.18.1.2" },
      expected: { view: { present: true, carrier: true, source: null }, gateway: null },
    },
    {
      name: "PPP: the peer address is the gateway",
      raw: {
        link: link(["POINTOPOINT", "UP", "LOWER_UP"]),
        addr: addr({ family: "inet", local: "198.18.5.2", address: "198.18.5.1" }),
        routes: [],
      },
      configured: {},
      expected: { view: { present: true, carrier: true, source: "198.18.5.2" }, gateway: "198.18.5.1" },
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
      expected: { view: { present: true, carrier: true, source: "198.18.1.2" }, gateway: null },
    },
  ])("$name", ({ raw, configured, expected }) => {
    expect(kernelFacts(raw, configured)).toEqual(expected);
  });
});
