import { createLab, type Lab } from "@wanpilot/lab";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HostSnapshot, namespacesOfThisProcess, snapshotHost } from "./host-guard.js";

let before: HostSnapshot;
let lab: Lab;
beforeAll(async () => {
  before = await snapshotHost();
  lab = await createLab({ isps: 2, lanHosts: 2, name: "flows" });
});
afterAll(async () => {
  await lab?.destroy();
  expect(await namespacesOfThisProcess()).toEqual([]);
  expect(await snapshotHost()).toEqual(before);
});

describe("the flow server", () => {
  it("tells which ISP each TCP and UDP flow came through", async () => {
    await lab.setDefaultRoute([1, 0]);
    const viaIsp1 = await Promise.all([
      lab.openFlows({ count: 40 }),
      lab.openFlows({ count: 40, proto: "udp" }),
    ]);
    for (const result of viaIsp1) expect(result).toMatchObject({ byIsp: { isp1: 40 }, failed: 0 });

    await lab.setDefaultRoute([0, 1]);
    const viaIsp2 = await Promise.all([
      lab.openFlows({ count: 40 }),
      lab.openFlows({ count: 40, proto: "udp", from: lab.lan.hostAddresses[1] ?? "" }),
    ]);
    for (const result of viaIsp2) expect(result).toMatchObject({ byIsp: { isp2: 40 }, failed: 0 });
  });

  it("reports failed flows instead of hanging when no ISP carries them", async () => {
    await lab.clearDefaultRoute();
    const result = await lab.openFlows({ count: 5, proto: "udp", timeoutMs: 300 });
    expect(result.failed).toBe(5);
    expect(result.byIsp).toEqual({});
  });

  it("splits flows over a weighted multipath route once the gateway hashes on ports", async () => {
    await lab.gwExec(["sysctl", "-q", "-w", "net.ipv4.fib_multipath_hash_policy=1"]);
    await lab.setDefaultRoute([1, 3]);
    const result = await lab.openFlows({ count: 400 });
    expect(result.failed).toBe(0);
    const share = (result.byIsp.isp2 ?? 0) / 400;
    expect(share).toBeGreaterThan(0.6);
    expect(share).toBeLessThan(0.9);
  });
});

describe("streams", () => {
  it("keep flowing while another ISP fails, stall while their own upstream is cut, and resume", async () => {
    await lab.setDefaultRoute([1, 0]);
    const stream = await lab.startStream();
    try {
      expect(stream.isp).toBe("isp1");
      expect(await stream.waitForProgress(2_000, 256)).toBe(true);

      await lab.cutUpstream("isp2");
      expect(await stream.waitForProgress(2_000, 256)).toBe(true);
      await lab.restoreUpstream("isp2");

      await lab.cutUpstream("isp1");
      expect(await stream.waitForStall(2_000, 300)).toBe(true);
      const stalledAt = stream.bytes();
      expect(await stream.waitForProgress(300)).toBe(false);
      expect(stream.bytes()).toBe(stalledAt);
      expect(stream.closed()).toBe(false);

      await lab.restoreUpstream("isp1");
      // TCP retransmits with backoff, so recovery can take a moment.
      expect(await stream.waitForProgress(5_000, 256)).toBe(true);
      expect(stream.alive()).toBe(true);
    } finally {
      await stream.stop();
    }
  });

  it("break when their packets are rerouted to another ISP without connection marks", async () => {
    await lab.setDefaultRoute([1, 0]);
    const group = await lab.startStreams({ count: 3 });
    try {
      expect(group.streams.map((s) => s.isp)).toEqual(["isp1", "isp1", "isp1"]);
      const first = group.streams[0];
      expect(await first?.waitForProgress(2_000, 256)).toBe(true);
      await lab.setDefaultRoute([0, 1]);
      // The new ISP masquerades mid-connection; the server answers with a reset.
      const allClosed = await group.waitFor(
        () => (group.streams.every((s) => s.closed()) ? true : undefined),
        5_000,
      );
      expect(allClosed).toBe(true);
      expect(group.streams.map((s) => s.closeError())).toEqual(["ECONNRESET", "ECONNRESET", "ECONNRESET"]);
    } finally {
      await group.stop();
    }
  });
});
