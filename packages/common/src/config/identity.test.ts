import { describe, expect, it } from "vitest";
import { MARK_MASK_DEFAULT } from "./balance.js";
import { linkIdentity, PROBE_PORTS, probePorts, socketProbesInFlight } from "./identity.js";

const links = [
  { name: "lte1", interface: "wwan0" },
  { name: "lte2", interface: "wwan1" },
];
const config = { links, balance: { mark_mask: MARK_MASK_DEFAULT } };

describe("link identity", () => {
  it("gives each link its interface, a mark in the mask and its own probe ports", () => {
    expect(linkIdentity(config, "lte1")).toEqual({
      name: "lte1",
      interface: "wwan0",
      slot: 1,
      mark: 0x1000000,
      markMask: 0x7f000000,
      probePorts: { first: 61000, last: 61015 },
    });
    expect(linkIdentity(config, "lte2")).toMatchObject({
      mark: 0x2000000,
      probePorts: { first: 61016, last: 61031 },
    });
    expect(linkIdentity({ links, balance: { mark_mask: 0xff0000 } }, "lte2")?.mark).toBe(0x20000);
    expect(linkIdentity(config, "nope")).toBeUndefined();
  });

  it("keeps every slot's ports above the default ephemeral range and below 65536, without overlap", () => {
    const ranges = Array.from({ length: 255 }, (_, i) => probePorts(i + 1));
    expect(ranges[0]?.first).toBeGreaterThan(60999);
    expect(ranges.at(-1)?.last).toBeLessThanOrEqual(65535);
    expect(ranges.slice(1).every((r, i) => r.first === (ranges[i]?.last ?? 0) + 1)).toBe(true);
    expect(PROBE_PORTS.perLink).toBe(16);
  });

  it.each([
    [["icmp", "icmp", "icmp"], 300, 700, 0],
    [["tcp", "icmp", "dns"], 300, 700, 6],
    [["https"], 1000, 1000, 2],
    [["tcp", "tcp", "tcp"], 100, 500, 18],
  ])(
    "targets %j every %i ms with a %i ms timeout → %i socket probes in flight",
    (methods, interval, timeout, n) => {
      expect(
        socketProbesInFlight({ targets: methods.map((method) => ({ method })), interval, timeout }),
      ).toBe(n);
    },
  );
});
