import { createLab, type Lab } from "@wanpilot/lab";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** The gateway's own IPv6 default route and nat66, set here only to test the lab itself. */
const NAT66 = `table inet lab_test {
  chain post { type nat hook postrouting priority srcnat; policy accept;
    oifname "wan*" meta nfproto ipv6 masquerade
  }
}
`;

describe("a lab with IPv6 (opt-in)", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await createLab({ isps: 2, name: "ipv6", ipv6: true });
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  it("gives every WAN a global address and a link-local modem, and the gateway no IPv6 default route", async () => {
    const isp = lab.isps[1];
    expect(isp?.ipv6).toMatchObject({ gwAddress: "2001:db8:2::2", modemLinkLocal: "fe80::1" });
    expect(lab.ipv6?.server).toBe("2001:db8:ffff::100");
    expect(await lab.exec("gw", ["ip", "-6", "route", "show", "default"])).toBe("");
    const ping = await lab.pingFrom("gw", "fe80::1%wan2", { count: 3 });
    expect(ping.received).toBeGreaterThan(0);
  });

  it("carries IPv6 flows from the LAN through the ISP the gateway routes to, and the upstream cut stops them", async () => {
    const server = lab.ipv6?.server ?? "";
    await lab.exec("gw", ["nft", "-f", "-"], { input: NAT66 });
    await lab.exec("gw", ["ip", "-6", "route", "replace", "default", "via", "fe80::1", "dev", "wan2"]);
    const tcp = await lab.openFlows({ count: 10, host: server });
    expect(tcp.byIsp).toEqual({ isp2: 10 });
    const udp = await lab.openFlows({ count: 5, host: server, proto: "udp" });
    expect(udp.byIsp).toEqual({ isp2: 5 });
    const v4 = await lab.openFlows({ count: 3, timeoutMs: 500 });
    expect(v4.failed).toBe(3); // IPv4 has no default route in gw: the families are independent
    await lab.cutUpstream("isp2");
    try {
      const cut = await lab.openFlows({ count: 3, host: server, timeoutMs: 500 });
      expect(cut.failed).toBe(3);
      expect((await lab.pingFrom("gw", "fe80::1%wan2", { count: 3 })).received).toBeGreaterThan(0);
    } finally {
      await lab.restoreUpstream("isp2");
    }
    await lab.blockTarget(lab.ipv6?.targets[0] ?? "");
    const blocked = await lab.pingFrom("gw", lab.ipv6?.targets[0] ?? "", { count: 3, waitMs: 300 });
    const open = await lab.pingFrom("gw", lab.ipv6?.targets[1] ?? "", { count: 3 });
    expect([blocked.received, open.received > 0]).toEqual([0, true]);
  });
});
