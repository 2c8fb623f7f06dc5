import type { Lab } from "@wanpilot/lab";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { controller, labConfig, newLab, setStates } from "./harness.js";
import { server6, setStates6 } from "./harness6.js";

const TABLE = "wp_test_echo";

/** Counts the echo requests of each family the gateway forwards out of each WAN (a table of the test's own). */
async function countEchoes(lab: Lab): Promise<() => Promise<Record<string, number>>> {
  const wans = lab.isps.map((i) => i.wanInterface);
  const script = [
    `table inet ${TABLE} {}`,
    `delete table inet ${TABLE}`,
    `table inet ${TABLE} {`,
    "  chain forward_count {",
    "    type filter hook forward priority -400; policy accept;",
    ...wans.flatMap((w) => [
      `    oifname "${w}" icmp type echo-request counter comment "${w} v4"`,
      `    oifname "${w}" icmpv6 type echo-request counter comment "${w} v6"`,
    ]),
    "  }",
    "}",
    "",
  ].join("\n");
  await lab.gwExec(["nft", "-f", "-"], { input: script });
  return async () => {
    const listing = await lab.gwExec(["nft", "-j", "list", "table", "inet", TABLE]);
    const items = (JSON.parse(listing) as { nftables: Array<{ rule?: NftRule }> }).nftables;
    const out: Record<string, number> = {};
    for (const { rule } of items) {
      const c = rule?.expr.find((e) => e.counter !== undefined)?.counter;
      if (rule?.comment !== undefined && c !== undefined) out[rule.comment] = c.packets;
    }
    return out;
  };
}

interface NftRule {
  comment?: string;
  expr: Array<{ counter?: { packets: number } }>;
}

describe("proto icmp matches ICMPv6 for IPv6 traffic (real kernel)", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await newLab({ isps: 2, name: "rticmp6", ipv6: true });
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  // isp2 is a tier-2 backup: balancing never picks it while isp1 is up, only a rule sends traffic there.
  const config = (rule: Record<string, unknown>) =>
    labConfig(lab, [{ ipv6: true }, { tier: 2, ipv6: true }], {
      rules: [{ name: "ping", proto: "icmp", via: ["isp2"], ...rule }],
    });

  /** Pings (4 of one family) from the LAN host: how many got answers and how many left by each WAN. */
  async function ping(host: string, family: "v4" | "v6") {
    const read = await countEchoes(lab);
    const before = await read();
    const r = await lab.pingFrom(lab.ns.lan, host, { count: 4, intervalMs: 50 });
    const after = await read();
    const sent = (w: string) => (after[`${w} ${family}`] ?? 0) - (before[`${w} ${family}`] ?? 0);
    return { received: r.received, wan1: sent("wan1"), wan2: sent("wan2") };
  }

  async function pingsOut(rule: Record<string, unknown>) {
    const c = controller(lab, config(rule));
    await c.reconcile("start", true);
    await setStates(lab, c, ["up", "up"]);
    await setStates6(lab, c, ["up", "up"]);
    const echoes = await ping(server6(lab), "v6");
    const flows = await lab.openFlows({ count: 20, host: server6(lab) });
    return { ...echoes, flows };
  }

  it("a rule without addresses pins an IPv6 ping to its link; IPv6 TCP keeps the default route", async () => {
    const r = await pingsOut({});
    expect({ received: r.received, wan1: r.wan1, wan2: r.wan2 }).toEqual({ received: 4, wan1: 0, wan2: 4 });
    expect(r.flows.failed).toBe(0);
    expect(r.flows.byIsp).toEqual({ isp1: 20 });
  });

  it("an IPv6 rule (dst) with proto icmp pins IPv6 pings to that destination", async () => {
    const r = await pingsOut({ dst: `${server6(lab)}/128` });
    expect({ received: r.received, wan1: r.wan1, wan2: r.wan2 }).toEqual({ received: 4, wan1: 0, wan2: 4 });
    expect(r.flows.byIsp).toEqual({ isp1: 20 });
  });

  it("a rule without addresses follows each family's liveness: isp2 down for IPv6 only sends IPv6 pings to isp1", async () => {
    const c = controller(
      lab,
      labConfig(lab, [{ ipv6: true }, { tier: 2, ipv6: true }], {
        rules: [{ name: "ping", proto: "icmp", via: ["isp2", "isp1"] }],
      }),
    );
    await c.reconcile("start", true);
    await setStates(lab, c, ["up", "up"]);
    await setStates6(lab, c, ["up", "down"]);
    expect(await ping(server6(lab), "v6")).toEqual({ received: 4, wan1: 4, wan2: 0 });
    expect(await ping(lab.server.address, "v4")).toEqual({ received: 4, wan1: 0, wan2: 4 });
    // isp2's IPv6 back: its IPv6 line pins IPv6 pings to isp2 again.
    await setStates6(lab, c, ["up", "up"]);
    expect(await ping(server6(lab), "v6")).toEqual({ received: 4, wan1: 0, wan2: 4 });
  });
});
