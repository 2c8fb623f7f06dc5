import { linkIdentity } from "@wanpilot/common";
import type { Lab } from "@wanpilot/lab";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { controller, ipRules, labConfig, linkState, newLab, setStates } from "./harness.js";

// Two modems that hand the gateway the same address (198.18.50.100) behind the same gateway address
// (198.18.50.1): the router must route each link's probes by the link's identity, not its address.
describe("look-alike links on the real kernel", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await newLab({ isps: 2, name: "rtalike", sameWanAddress: true });
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  let attempt = 0;
  /** Which ISP a TCP connection of the gateway from one of `link`'s probe ports reaches ("lost": none). */
  async function viaPorts(config: Parameters<typeof linkIdentity>[0], link: string): Promise<string> {
    const ports = linkIdentity(config, link)?.probePorts;
    if (ports === undefined) throw new Error(`no link ${link}`);
    const localPort = ports.first + (attempt++ % (ports.last - ports.first + 1));
    const script = `const s = require("node:net").connect({ host: ${JSON.stringify(lab.server.address)}, port: ${lab.server.tcpPort}, localAddress: "198.18.50.100", localPort: ${localPort} });
      const t = setTimeout(() => { console.log("lost"); s.destroy(); }, 1500);
      s.on("error", () => undefined);
      s.once("data", (d) => { clearTimeout(t); console.log(JSON.parse(String(d).split("\\n")[0]).isp); s.resetAndDestroy(); });`;
    return (await lab.exec("gw", [process.execPath, "-e", script])).trim();
  }

  /** Replies to `ping -m <link's mark> -I <link's interface>`, as the prober sends them. */
  async function pingByMark(config: Parameters<typeof linkIdentity>[0], link: string): Promise<number> {
    const id = linkIdentity(config, link);
    if (id === undefined) throw new Error(`no link ${link}`);
    const argv = ["ping", "-n", "-c", "2", "-i", "0.2", "-W", "1", "-m", String(id.mark), "-I", id.interface];
    const r = await lab.tryExec("gw", [...argv, lab.targets[0] ?? ""], { okExitCodes: [0, 1, 2] });
    return Number(/(\d+) received/.exec(r.stdout)?.[1] ?? -1);
  }

  it("each link's probes leave by its own WAN: in and out of the default route, and with every link down", async () => {
    const config = labConfig(lab, [{}, {}], { balance: { all_down: "unreachable" } });
    const c = controller(lab, config);
    await c.reconcile("start", true);
    // isp2 is out of the default route.
    await setStates(lab, c, ["up", "down"]);
    const rules = (await ipRules(lab)).join("\n");
    expect(rules).not.toContain("from 198.18.50.100");
    expect(rules).toContain("iif lo sport 61016-61031 lookup 102");
    const both = async () => [
      await viaPorts(config, "isp1"),
      await viaPorts(config, "isp2"),
      await pingByMark(config, "isp1"),
      await pingByMark(config, "isp2"),
    ];
    expect(await both()).toEqual(["isp1", "isp2", 2, 2]);

    await lab.cutUpstream("isp1");
    expect(await both()).toEqual(["lost", "isp2", 0, 2]);
    await lab.restoreUpstream("isp1");
    await lab.cutUpstream("isp2");
    expect(await both()).toEqual(["isp1", "lost", 2, 0]);
    await lab.restoreUpstream("isp2");

    // Every link down, `unreachable` default: only the link's own table (and src_valid_mark) lets replies in.
    await setStates(lab, c, ["down", "down"]);
    expect(await lab.exec("gw", ["ip", "route", "show", "table", "100"])).toContain("unreachable default");
    expect(await both()).toEqual(["isp1", "isp2", 2, 2]);
  });

  // Holds what needs no change: masquerade per outgoing interface and conntrack keep equal addresses apart.
  it("LAN flows: a cut link's traffic moves to the other one, and none fails", async () => {
    const config = labConfig(lab, [{}, {}]);
    const c = controller(lab, config);
    await c.reconcile("start", true);
    for (const [cut, index, other] of [
      ["isp1", 0, "isp2"],
      ["isp2", 1, "isp1"],
    ] as const) {
      await setStates(lab, c, ["up", "up"]);
      const before = await lab.openFlows({ count: 30, concurrency: 10 });
      expect(before.failed).toBe(0);
      expect(Object.keys(before.byIsp).sort()).toEqual(["isp1", "isp2"]);
      await lab.cutUpstream(cut);
      await c.onLinkState(linkState(lab, index, "down", "upstream cut"));
      const after = await lab.openFlows({ count: 30, concurrency: 10 });
      expect(after).toMatchObject({ failed: 0, byIsp: { [other]: 30 } });
      await lab.restoreUpstream(cut);
    }
  });
});
