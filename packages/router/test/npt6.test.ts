import type { Lab } from "@wanpilot/lab";
import { until } from "@wanpilot/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { controller, labConfig, newLab, setStates } from "./harness.js";
import { server6, setStates6 } from "./harness6.js";

// isp1's own /64 beside its WAN link's, routed by the ISP to the gateway (as a delegated prefix would be).
const NPT_PREFIX = "2001:db8:1:1::/64";
const PORT = 8080;
const SERVER = `require("net").createServer((s) => s.end("hello " + s.remoteAddress + "\\n")).listen(${PORT}, "::")`;
const CLIENT = (host: string) => `const s = require("net").connect(${PORT}, "${host}");
let out = ""; s.on("data", (d) => (out += d)); s.on("end", () => { process.stdout.write(out); process.exit(0); });
s.on("error", (e) => { process.stdout.write("error " + e.code); process.exit(0); });
setTimeout(() => { process.stdout.write("timeout"); process.exit(0); }, 3000);`;

/** Counts IPv6 packets the ISP forwards from `source` (before its own masquerade toward inet). */
async function countFrom(lab: Lab, ns: string, source: string): Promise<() => Promise<number>> {
  const script = `table ip6 wp_test_npt {
  chain forward_count {
    type filter hook forward priority -400; policy accept;
    ip6 saddr ${source} counter
  }
}
`;
  await lab.exec(ns, ["nft", "-f", "-"], { input: script });
  return async () => {
    const listing = await lab.exec(ns, ["nft", "list", "table", "ip6", "wp_test_npt"]);
    return Number(/counter packets (\d+)/.exec(listing)?.[1] ?? "0");
  };
}

describe("nat66 by NPTv6: the LAN prefix mapped 1:1 to the link's prefix (real kernel)", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await newLab({ isps: 2, name: "rtnpt6", ipv6: true });
    const gw6 = lab.isps[0]?.ipv6?.gwAddress ?? "";
    await lab.exec(lab.namespace(lab.ns.isp[0] ?? ""), ["ip", "-6", "route", "add", NPT_PREFIX, "via", gw6]);
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  it("outbound flows leave isp1 from the host's mapped address, and an inbound connection to it reaches the host", async () => {
    const lan = lab.ipv6?.lan;
    if (lan === undefined) throw new Error("lab has no IPv6");
    // isp2 is a tier-2 backup with plain masquerade: every IPv6 flow takes isp1 while it is up.
    const c = controller(
      lab,
      labConfig(lab, [
        { ipv6: { nat66: { npt: { lan: lan.prefix, prefix: NPT_PREFIX } } } },
        { tier: 2, ipv6: true },
      ]),
    );
    await c.reconcile("start", true);
    await setStates(lab, c, ["up", "up"]);
    await setStates6(lab, c, ["up", "up"]);
    const host = lan.hostAddress; // 2001:db8:100::2 → 2001:db8:1:1::2
    const mapped = "2001:db8:1:1::2";
    const isp1 = lab.ns.isp[0] ?? "";
    // The first connection also waits for the ISP to resolve the gateway's address (slow on a loaded machine).
    await until(
      "a first IPv6 flow through the NPTv6 link",
      async () => (await lab.openFlows({ count: 1, host: server6(lab), timeoutMs: 3000 })).failed === 0,
      20_000,
      200,
    );
    const read = await countFrom(lab, isp1, mapped);
    const flows = await lab.openFlows({ count: 20, host: server6(lab) });
    expect(flows.failed, JSON.stringify(flows.flows.filter((f) => f.error).slice(0, 3))).toBe(0);
    expect(flows.byIsp).toEqual({ isp1: 20 });
    // Every flow's packets reached the ISP from the mapped address (a SYN and more per flow).
    expect(await read()).toBeGreaterThanOrEqual(40);
    expect(await lab.gwExec(["nft", "list", "chain", "inet", "wanpilot", "nat"])).toContain(
      `ip6 saddr ${lan.prefix} snat ip6 prefix to ${NPT_PREFIX}`,
    );

    // Inbound: the mapped address is the host's, from the ISP's side.
    const server = lab.spawn(lab.ns.lan, [process.execPath, "-e", SERVER]);
    try {
      let answer = "";
      for (let i = 0; i < 50 && !answer.startsWith("hello"); i++)
        answer = await lab.exec(isp1, [process.execPath, "-e", CLIENT(mapped)], { timeoutMs: 10_000 });
      // The host sees the ISP's own address (no translation of the far end), and answered back through isp1.
      expect(answer.trim()).toBe(`hello ${lab.isps[0]?.ipv6?.modemAddress}`);
    } finally {
      await server.stop();
    }
    expect(host).toBe("2001:db8:100::2");
  });
});
