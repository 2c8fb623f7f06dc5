import { createLab, type Lab, LTE_DELAY } from "@wanpilot/lab";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HostSnapshot, namespacesOfThisProcess, snapshotHost } from "./host-guard.js";

let before: HostSnapshot;
let lab: Lab;
beforeAll(async () => {
  before = await snapshotHost();
  lab = await createLab({ isps: 2, name: "delay", flowServer: false, delay: { isp2: "lte" } });
}, 60_000);
afterAll(async () => {
  await lab?.destroy();
  expect(await namespacesOfThisProcess()).toEqual([]);
  expect(await snapshotHost()).toEqual(before);
});

/** RTTs of `count` pings from an ISP's namespace (its default route leads to inet) to the first target. */
async function rtts(isp: string, count: number): Promise<number[]> {
  const out = await lab.exec(
    lab.isp(isp).ns,
    ["ping", "-n", "-c", String(count), "-i", "0.05", "-W", "2", lab.targets[0] ?? ""],
    {
      timeoutMs: 30_000,
    },
  );
  return [...out.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1]));
}

describe("an LTE-like link: the TUN delay line", () => {
  it("holds packets from isp2 for 80–400 ms (spikes aside); isp1 stays fast", async () => {
    const [slow, fast] = await Promise.all([rtts("isp2", 60), rtts("isp1", 20)]);
    expect(slow.length).toBeGreaterThanOrEqual(58); // nothing lost but a held spike past -W
    const sorted = [...slow].sort((a, b) => a - b);
    expect(sorted[0]).toBeGreaterThanOrEqual(LTE_DELAY.baseMs);
    // Delays are drawn uniformly over 80–400 ms: their middle lies well inside, not at either end.
    const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
    expect(median).toBeGreaterThan(150);
    expect(median).toBeLessThan(350);
    expect(fast).toHaveLength(20);
    expect(Math.max(...fast)).toBeLessThan(LTE_DELAY.baseMs);
  }, 60_000);
});
