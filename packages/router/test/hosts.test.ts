import type { Lab } from "@wanpilot/lab";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { controller, labConfig, linkState, newLab, setStates } from "./harness.js";

// hash: host — each LAN host keeps one link, and moves only when that link dies.
describe("per-host stickiness (real kernel)", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await newLab({ isps: 3, lanHosts: 12, name: "rthost" });
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  /** Host address → the one ISP its 5 new flows took (or "mixed"). */
  async function linkOfEachHost(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const from of lab.lan.hostAddresses) {
      const r = await lab.openFlows({ from, count: 5 });
      const isps = Object.keys(r.byIsp);
      out.set(from, r.failed === 0 && isps.length === 1 ? (isps[0] ?? "none") : "mixed");
    }
    return out;
  }

  it("hosts of healthy links stay put when another link fails and when it recovers", async () => {
    const c = controller(lab, labConfig(lab, [{}, {}, {}], { balance: { hash: "host" } }));
    await c.reconcile("start", true);
    await setStates(lab, c, ["up", "up", "up"]);
    const before = await linkOfEachHost();
    expect([...before.values()]).not.toContain("mixed");
    expect(new Set(before.values()).size).toBeGreaterThan(1);

    await lab.cutUpstream(0);
    await c.onLinkState(linkState(lab, 0, "down"));
    const during = await linkOfEachHost();
    for (const [host, isp] of before) {
      if (isp === "isp1") expect(["isp2", "isp3"]).toContain(during.get(host));
      else expect(during.get(host)).toBe(isp);
    }

    await lab.restoreUpstream(0);
    await c.onLinkState(linkState(lab, 0, "up"));
    // Busy hosts keep their link; the recovered link takes hosts as they fall idle (new ones at once).
    expect(await linkOfEachHost()).toEqual(during);

    // A restarted router finds the group right and changes nothing.
    const again = controller(lab, labConfig(lab, [{}, {}, {}], { balance: { hash: "host" } }));
    const start = await again.reconcile("start", true);
    await setStates(lab, again, ["up", "up", "up"]);
    expect(start.commands).toEqual([]);
  });
});
