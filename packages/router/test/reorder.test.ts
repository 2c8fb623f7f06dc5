import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Lab } from "@wanpilot/lab";
import { linkSlots } from "@wanpilot/runtime";
import { silentLog } from "@wanpilot/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Controller } from "../src/controller.js";
import { gwKernel, labConfig, linkState, newLab } from "./harness.js";

describe("link identity is the link's name (real kernel)", () => {
  let lab: Lab;
  let dir: string;
  beforeAll(async () => {
    lab = await newLab({ isps: 2, name: "rtorder" });
    dir = mkdtempSync(join(tmpdir(), "wanpilot-slots-"));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await lab?.destroy();
  });

  it("links reordered and the router restarted: every sticky stream keeps its link and its bytes flowing", async () => {
    const file = join(dir, "router-slots.json");
    const start = async (order: number[]) => {
      const links = order.map((i) => ({
        name: lab.isps[i]?.name ?? "",
        interface: lab.isps[i]?.wanInterface ?? "",
      }));
      const base = labConfig(lab, [{}, {}]);
      const config = {
        ...base,
        links: order.map((i, at) => ({
          ...(base.links[i] as (typeof base.links)[number]),
          ...links[at],
          table: 101 + at,
        })),
      };
      const c = new Controller({
        config,
        log: silentLog,
        kernel: gwKernel(lab),
        slots: new Map(Object.entries(linkSlots(config, silentLog, file))),
        now: () => new Date(),
        newId: () => "reorder-0001",
      });
      expect((await c.reconcile("start", true)).errors).toEqual([]);
      for (const i of order) await c.onLinkState(linkState(lab, i, "up"));
      return c;
    };
    await start([0, 1]);
    const group = await lab.startStreams({ count: 16, durationMs: 60_000 });
    try {
      for (const s of group.streams) expect(await s.waitForProgress(5000, 64)).toBe(true);
      const before = group.streams.map((s) => s.isp);
      expect(new Set(before)).toEqual(new Set(["isp1", "isp2"]));
      // The file reordered (and the tables with it, as the config's position gives them): a new router starts.
      await start([1, 0]);
      // Each tracked stream's mark must still route out of the link its address was translated to.
      const tracked = await lab.exec(
        lab.ns.gw,
        ["conntrack", "-L", "-p", "tcp", "--dport", String(lab.server.tcpPort)],
        {
          okExitCodes: [0, 1],
        },
      );
      const entries = [
        ...tracked.matchAll(
          /ESTABLISHED src=\S+ dst=\S+ sport=\d+ dport=\d+ src=\S+ dst=(\S+) .*?mark=(\d+)/g,
        ),
      ];
      expect(entries.length).toBeGreaterThanOrEqual(16);
      for (const [, natted, mark] of entries) {
        const isp = lab.isps.find((i) => i.gwAddress === natted);
        const route = await lab.exec(lab.ns.gw, [
          "ip",
          "route",
          "get",
          lab.server.address,
          "from",
          lab.lan.hostAddress,
          "iif",
          lab.lan.interface,
          "mark",
          mark ?? "0",
        ]);
        expect(route).toContain(`dev ${isp?.wanInterface} `);
      }
      const bytes = group.bytes();
      for (const s of group.streams) expect(await s.waitForProgress(5000, 640)).toBe(true);
      const after = group.bytes();
      for (const [i, b] of bytes.entries()) expect(after[i]).toBeGreaterThanOrEqual(b + 640);
      expect(group.streams.map((s) => s.isp)).toEqual(before);
    } finally {
      await group.stop();
    }
  });
});
