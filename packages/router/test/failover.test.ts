import type { Lab } from "@wanpilot/lab";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { controller, labConfig, linkState, newLab, setStates } from "./harness.js";

describe("failover and recovery (real kernel)", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await newLab({ isps: 3, name: "rtfail" });
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  it("a cut upstream: new flows avoid it, its streams are flushed, healthy streams keep flowing; recovery moves nothing", async () => {
    const c = controller(lab, labConfig(lab, [{}, {}, {}]));
    await c.reconcile("start", true);
    await setStates(lab, c, ["up", "up", "up"]);
    const group = await lab.startStreams({ count: 24, durationMs: 60_000 });
    try {
      const onIsp1 = group.streams.filter((s) => s.isp === "isp1");
      const healthy = group.streams.filter((s) => s.isp !== "isp1");
      expect(onIsp1.length).toBeGreaterThan(0);
      expect(healthy.length).toBeGreaterThan(0);

      await lab.cutUpstream(0);
      const down = await c.onLinkState(linkState(lab, 0, "down", "upstream cut"));
      expect(down?.change?.flushed).toEqual([{ link: "isp1", connections: expect.any(Number) }]);
      expect(down?.change?.flushed[0]?.connections).toBeGreaterThanOrEqual(onIsp1.length);
      const during = await lab.openFlows({ count: 300, concurrency: 32 });
      expect(during.failed).toBe(0);
      expect(during.byIsp.isp1 ?? 0).toBe(0);
      for (const s of healthy) expect(await s.waitForProgress(3000, 64)).toBe(true);
      // Flushed: their next packet leaves by a live link with another address, and the server resets it.
      expect(await group.waitFor(() => (onIsp1.every((s) => s.closed()) ? true : undefined), 10_000)).toBe(
        true,
      );

      await lab.restoreUpstream(0);
      const up = await c.onLinkState(linkState(lab, 0, "up", "recovered"));
      expect(up?.change?.flushed ?? []).toEqual([]);
      const after = await lab.openFlows({ count: 300, concurrency: 32 });
      expect(after.failed).toBe(0);
      expect(after.byIsp.isp1 ?? 0).toBeGreaterThan(30);
      for (const s of healthy) expect(await s.waitForProgress(3000, 64)).toBe(true);
      expect(healthy.filter((s) => s.closed())).toEqual([]);
    } finally {
      await group.stop();
    }
  });

  it("a WAN losing carrier leaves the multipath route at once, before any link state arrives", async () => {
    const c = controller(lab, labConfig(lab, [{}, {}, {}]));
    await c.reconcile("start", true);
    await setStates(lab, c, ["up", "up", "up"]);
    expect((await lab.openFlows({ count: 150 })).byIsp.isp1 ?? 0).toBeGreaterThan(0);
    await lab.carrierDown(0);
    try {
      // No onLinkState("down") here: only the kernel's ignore_routes_with_linkdown keeps flows off isp1.
      const during = await lab.openFlows({ count: 150, timeoutMs: 1500 });
      expect(during.failed).toBe(0);
      expect(during.byIsp.isp1 ?? 0).toBe(0);
    } finally {
      await lab.carrierUp(0);
    }
  });

  it("tiers: the higher tier carries traffic only while the lower one is down", async () => {
    const c = controller(lab, labConfig(lab, [{}, { tier: 2 }, { tier: 2 }]));
    await c.reconcile("start", true);
    await setStates(lab, c, ["up", "up", "up"]);
    expect((await lab.openFlows({ count: 100 })).byIsp).toEqual({ isp1: 100 });
    await c.onLinkState(linkState(lab, 0, "down"));
    const failed = await lab.openFlows({ count: 200 });
    expect(failed.failed).toBe(0);
    expect(Object.keys(failed.byIsp).sort()).toEqual(["isp2", "isp3"]);
    await c.onLinkState(linkState(lab, 0, "up"));
    expect((await lab.openFlows({ count: 100 })).byIsp).toEqual({ isp1: 100 });
  });

  it("a rule's via list falls over along the list, then to balancing", async () => {
    const rules = [
      {
        name: "pin",
        dst: lab.server.address,
        proto: "tcp",
        dport: lab.server.tcpPort,
        via: ["isp2", "isp1"],
      },
    ];
    const c = controller(lab, labConfig(lab, [{}, {}, {}], { rules }));
    await c.reconcile("start", true);
    await setStates(lab, c, ["up", "up", "up"]);
    expect((await lab.openFlows({ count: 100 })).byIsp).toEqual({ isp2: 100 });
    await lab.cutUpstream(1);
    await c.onLinkState(linkState(lab, 1, "down"));
    expect((await lab.openFlows({ count: 100 })).byIsp).toEqual({ isp1: 100 });
    await lab.cutUpstream(0);
    await c.onLinkState(linkState(lab, 0, "down"));
    expect((await lab.openFlows({ count: 100 })).byIsp).toEqual({ isp3: 100 });
    await lab.restoreUpstream(0);
    await lab.restoreUpstream(1);
  });

  it("a rule with fallback refuse refuses when its links are down", async () => {
    const rules = [
      { name: "only2", proto: "tcp", dport: lab.server.tcpPort, via: ["isp2"], fallback: "refuse" },
    ];
    const c = controller(lab, labConfig(lab, [{}, {}, {}], { rules }));
    await c.reconcile("start", true);
    await setStates(lab, c, ["up", "down", "up"]);
    const r = await lab.openFlows({ count: 10, timeoutMs: 500 });
    expect(r.failed).toBe(10);
  });
});
