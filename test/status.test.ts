import { createLab, type Lab, type StreamGroup } from "@wanpilot/lab";
import { until } from "@wanpilot/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LabDeployment } from "wanpilot/labrun";
import type { StatusView } from "../packages/cli/src/status/view.js";
import { kernelNexthops, type StatusWatch, watchStatus } from "./helpers/lab-views.js";

const FAST = { interval: "200ms", timeout: "500ms", down: 3, up: 5, window: "2s" };

describe("wanpilot status against the kernel's truth", () => {
  let lab: Lab;
  let dep: LabDeployment;
  let streams: StreamGroup | undefined;
  let status: StatusWatch;

  beforeAll(async () => {
    lab = await createLab({ isps: 2, gwMasquerade: false, name: "status" });
    dep = LabDeployment.start(lab, { weights: [1, 3], probe: FAST, logLevel: "warn" });
    status = watchStatus(dep);
  });
  afterAll(async () => {
    await streams?.stop();
    await dep?.stop();
    await lab?.destroy();
  });

  const view = (ok: (v: StatusView) => boolean, what: string) => status.view(ok, what);

  it("shows the links the kernel routes over, their weights and their connections", async () => {
    await view((v) => v.links.every((l) => l.state === "up" && l.active), "both links up and active");
    // Status and kernel are read together until they agree: a link that flaps between two reads of one
    // would otherwise leave a stale snapshot of the other to wait for.
    let seen: { kernel: Array<[string, number]>; status: unknown } | undefined;
    const { v, hops } = await until(
      "status and the kernel's route to agree",
      async () => {
        const hops = await kernelNexthops(lab);
        const v = status.latest();
        if (v === undefined) return undefined;
        seen = {
          kernel: [...hops],
          status: v.links.map((l) => ({
            link: l.interface,
            state: l.state,
            active: l.active,
            weight: l.weight,
          })),
        };
        const agree = v.links.every(
          (l) => l.active === hops.has(l.interface) && (!l.active || l.weight === hops.get(l.interface)),
        );
        return agree && hops.size === 2 ? { v, hops } : undefined;
      },
      30_000,
      100,
    ).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; last seen ${JSON.stringify(seen)}`);
    });
    for (const l of v.links) expect(l.weight).toBe(hops.get(l.interface));
    expect(v.defaultRoute?.nexthops.map((n) => n.link).sort()).toEqual(["isp1", "isp2"]);
    expect(Object.values(v.processes).every((p) => p.availability === "online")).toBe(true);

    streams = await lab.startStreams({ count: 12, durationMs: 120_000 });
    const via = (isp: string) => streams?.streams.filter((s) => s.isp === isp).length ?? 0;
    // The router counts tracked connections every 5 s or more (its CPU budget); each stream is one of them.
    const counted = await view(
      (x) =>
        x.links.every((l) => (l.connections ?? 0) >= via(l.name)) &&
        x.links.some((l) => (l.connections ?? 0) > 0),
      "connection counts covering the streams",
    );
    expect(counted.links.reduce((a, l) => a + (l.connections ?? 0), 0)).toBeGreaterThanOrEqual(12);
  });

  it("follows an upstream cut: the link is down and inactive in status and gone from the kernel's route", async () => {
    await lab.cutUpstream(0);
    try {
      const v = await view((x) => x.links[0]?.state === "down" && x.links[0].active === false, "isp1 down");
      expect(v.links[0]?.cause).toMatch(/no reply/);
      const hops = await kernelNexthops(lab);
      expect([...hops.keys()]).toEqual(["wan2"]);
      expect(v.defaultRoute?.nexthops.map((n) => n.link)).toEqual(["isp2"]);
    } finally {
      await lab.restoreUpstream(0);
    }
    await view((x) => x.links.every((l) => l.state === "up" && l.active), "isp1 back");
    expect([...(await kernelNexthops(lab)).keys()].sort()).toEqual(["wan1", "wan2"]);
  });
});
