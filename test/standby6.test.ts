import { createLab, type Lab, WanCounters } from "@wanpilot/lab";
import { until } from "@wanpilot/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LabDeployment } from "wanpilot/labrun";
import { logCollector, rateChanges } from "./helpers/log-lines.js";

// isp1 on tier 1, isp2 the tier-2 backup, both with IPv6. Standby every 2 s (hold 4 s) keeps the test short.
const PROBE = { standby_interval: "2s" };
const WINDOW_MS = 6000;

describe("the IPv6 judge of a tier-2 link follows the standby rate, on its own (real kernel, whole wanpilot)", () => {
  let lab: Lab;
  let dep: LabDeployment;
  let counters: WanCounters;
  const { logs, onLine } = logCollector();

  beforeAll(async () => {
    lab = await createLab({ isps: 2, name: "standby6", ipv6: true });
    counters = await WanCounters.install(lab);
    dep = LabDeployment.start(lab, {
      tiers: [1, 2],
      probe: PROBE,
      ipv6: true,
      logLevel: "info",
      onLine,
    });
  });
  afterAll(async () => {
    await dep?.stop();
    await lab?.destroy();
  });

  const rateChange = (family: string, to: string, after: number) =>
    rateChanges(logs, "isp2", after, family).find((l) => l.to === to);

  /** The gateway's own echo requests per WAN and family over a window. */
  async function window(ms: number) {
    const a = await counters.read();
    await new Promise((r) => setTimeout(r, ms));
    const b = await counters.read();
    const d = (w: string) => ({
      v4: (b[w]?.echoRequests ?? 0) - (a[w]?.echoRequests ?? 0),
      v6: (b[w]?.echoRequests6 ?? 0) - (a[w]?.echoRequests6 ?? 0),
    });
    return { wan1: d("wan1"), wan2: d("wan2") };
  }

  it("both families of isp2 on standby while tier 1 is up; an IPv6-only fault of isp1 puts only isp2's IPv6 at full rate", async () => {
    const t0 = performance.now();
    await until(
      "isp2 on standby in both families",
      () => rateChange("ipv4", "standby", t0) && rateChange("ipv6", "standby", t0),
      90_000,
      100,
    ).catch((err: unknown) => {
      const seen = logs.filter((l) => l.link === "isp2" && /rate|state changed/.test(l.msg ?? ""));
      throw new Error(`${String(err)}\n${JSON.stringify(seen.slice(-12), null, 1)}`);
    });
    const idle = await window(WINDOW_MS);
    process.stdout.write(`MEASURED ${WINDOW_MS} ms idle: ${JSON.stringify(idle)}\n`);
    // 3 IPv6 targets every 2 s: ~9 in 6 s; at full rate it would be ~90 (as wan1's).
    expect(idle.wan2.v6).toBeGreaterThanOrEqual(3);
    expect(idle.wan2.v6).toBeLessThanOrEqual(15);
    expect(idle.wan1.v6).toBeGreaterThanOrEqual(30);

    const cutAt = performance.now();
    await lab.cutUpstream(0, "ipv6");
    try {
      const full = await until(
        "isp2's IPv6 at full rate",
        () => rateChange("ipv6", "full", cutAt),
        20_000,
        50,
      );
      expect(full.reason).toMatch(/isp1 \(tier 1\) is (down|degraded)|carrying traffic/);
      const busy = await window(3000);
      process.stdout.write(`MEASURED 3000 ms isp1 IPv6 cut: ${JSON.stringify(busy)}\n`);
      expect(busy.wan2.v6).toBeGreaterThanOrEqual(15);
      // isp1's IPv4 is fine: isp2's IPv4 judge stays on standby.
      expect(busy.wan2.v4).toBeLessThanOrEqual(12);
      expect(rateChanges(logs, "isp2", cutAt, "ipv4")).toEqual([]);
    } finally {
      await lab.restoreUpstream(0);
    }
    const restoredAt = performance.now();
    await until("isp2's IPv6 on standby again", () => rateChange("ipv6", "standby", restoredAt), 60_000, 100);
  });
});
