import type { Lab } from "@wanpilot/lab";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { controller, labConfig, newLab, setStates, share } from "./harness.js";

// Shares over many L4 flows from the LAN host; the flow server names the ISP each came through.
describe("weighted balancing (real kernel)", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await newLab({ isps: 3, name: "rtbal" });
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  it("weights 1:4 split 2000 flows 20/80", async () => {
    const c = controller(lab, labConfig(lab, [{ weight: 1 }, { weight: 4 }, { tier: 2 }]));
    await c.reconcile("start", true);
    await setStates(lab, c, ["up", "up", "up"]);
    const r = await lab.openFlows({ count: 2000, concurrency: 64 });
    expect(r.failed).toBe(0);
    expect(share(r.byIsp, "isp1")).toBeGreaterThan(0.16);
    expect(share(r.byIsp, "isp1")).toBeLessThan(0.24);
    expect(r.byIsp.isp3 ?? 0).toBe(0); // tier 2 carries nothing while tier 1 lives
    // The gateway's own connections are balanced the same way.
    const own = await lab.openFlows({ count: 1000, concurrency: 64, ns: lab.ns.gw });
    expect(own.failed).toBe(0);
    expect(share(own.byIsp, "isp1")).toBeGreaterThan(0.14);
    expect(share(own.byIsp, "isp1")).toBeLessThan(0.26);
  });

  it("weights 1:2:3 split 3000 flows by sixths", async () => {
    const c = controller(lab, labConfig(lab, [{ weight: 1 }, { weight: 2 }, { weight: 3 }]));
    await c.reconcile("start", true);
    await setStates(lab, c, ["up", "up", "up"]);
    const r = await lab.openFlows({ count: 3000, concurrency: 64 });
    expect(r.failed).toBe(0);
    [1 / 6, 2 / 6, 3 / 6].forEach((ideal, i) => {
      expect(Math.abs(share(r.byIsp, `isp${i + 1}`) - ideal)).toBeLessThan(0.04);
    });
  });

  it("hash host: one LAN host keeps one link for all its flows; l4 spreads them", async () => {
    const host = controller(lab, labConfig(lab, [{}, {}, {}], { balance: { hash: "host" } }));
    await host.reconcile("start", true);
    await setStates(lab, host, ["up", "up", "up"]);
    const pinned = await lab.openFlows({ count: 200, concurrency: 32 });
    expect(pinned.failed).toBe(0);
    expect(Object.keys(pinned.byIsp)).toHaveLength(1);
    const l4 = controller(lab, labConfig(lab, [{}, {}, {}]));
    await l4.reconcile("start", true);
    await setStates(lab, l4, ["up", "up", "up"]);
    const spread = await lab.openFlows({ count: 200, concurrency: 32 });
    expect(Object.keys(spread.byIsp)).toHaveLength(3);
  });
});
