import { LinkState, topics } from "@wanpilot/common";
import { createLab, type Lab } from "@wanpilot/lab";
import { until } from "@wanpilot/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LabDeployment } from "wanpilot/labrun";
import { BusWatch } from "./helpers/watch.js";

// Two look-alike WANs (the same address 198.18.50.100 behind the same gateway address 198.18.50.1, like
// two LTE sticks in router mode), the whole of `wanpilot start` in the lab's gateway namespace. Before
// links were told apart by mark and ports, cutting isp1 took isp2 down too, and cutting isp2 left it up.
const GW = "alike";
const PORT = 18831;

describe.each(["icmp", "tcp"] as const)("look-alike WANs, %s probes", (method) => {
  let lab: Lab;
  let dep: LabDeployment;
  let watch: BusWatch;
  beforeAll(async () => {
    lab = await createLab({ isps: 2, name: `alike${method}`, sameWanAddress: true, gwMasquerade: false });
    const targets =
      method === "icmp"
        ? [...lab.targets]
        : lab.targets.map((host) => ({ host, method: "tcp", port: lab.server.tcpPort }));
    dep = LabDeployment.start(lab, {
      gateway: GW,
      port: PORT,
      probe: { targets, interval: "200ms", timeout: "500ms", up: 3 },
    });
    await dep.supervisor.waitForLine((line) => line.includes("broker listening"), 30_000);
    watch = new BusWatch(["ip", "netns", "exec", lab.ns.gw], PORT);
  });
  afterAll(async () => {
    await watch?.close();
    await dep?.stop();
    await lab?.destroy();
  });

  /** Every LinkState of `link` seen so far, in order, with when it was seen. */
  const statesOf = (link: string) =>
    watch
      .messages()
      .filter((m) => m.topic === topics.linkState(GW, link))
      .map((m) => ({ atMs: m.atMs, state: LinkState.parse(JSON.parse(m.payload)).state }));
  const now = (link: string) => statesOf(link).at(-1)?.state;

  it("a cut link goes down alone; the other stays up and carries all 30 LAN connections", async () => {
    await until("both links up", () => now("isp1") === "up" && now("isp2") === "up", 30_000).catch(
      (err: unknown) => {
        const seen = watch.messages().map((m) => `${m.topic} ${m.payload.slice(0, 200)}`);
        throw new Error(
          `${String(err)}\nbus:\n${seen.slice(-15).join("\n")}\nstart:\n${dep.supervisor.lines().slice(-15).join("\n")}`,
        );
      },
    );
    for (const [cut, other] of [
      ["isp1", "isp2"],
      ["isp2", "isp1"],
    ] as const) {
      const at = Date.now();
      await lab.cutUpstream(cut);
      await until(`${cut} down after its upstream was cut`, () => now(cut) === "down", 15_000);
      // The router has applied it once new flows stop taking the cut link (bounded: 30 rounds).
      for (let round = 0; round < 30; round++) {
        const probe = await lab.openFlows({ count: 4, timeoutMs: 1000 });
        if (probe.failed === 0 && probe.byIsp[cut] === undefined) break;
      }
      const flows = await lab.openFlows({ count: 30, concurrency: 10 });
      expect(flows).toMatchObject({ failed: 0, byIsp: { [other]: 30 } });
      expect(statesOf(other).filter((s) => s.atMs >= at && s.state !== "up")).toEqual([]);
      await lab.restoreUpstream(cut);
      await until(`${cut} up after the restore`, () => now(cut) === "up", 20_000);
    }
  });
});
