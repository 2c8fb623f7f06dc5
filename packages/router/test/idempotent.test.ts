import type { Lab } from "@wanpilot/lab";
import { silentLog } from "@wanpilot/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanup } from "../src/cleanup.js";
import { controller, ipRules, labConfig, newLab, setStates } from "./harness.js";

const snapshot = async (lab: Lab) => ({
  rules: await ipRules(lab),
  routes: await lab.exec(lab.ns.gw, ["ip", "-4", "route", "show", "table", "all"]),
  nexthops: await lab.exec(lab.ns.gw, ["ip", "nexthop", "show"]),
  nft: await lab.exec(lab.ns.gw, ["nft", "list", "ruleset"]),
});

describe("restart, double start, repair, cleanup (real kernel)", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await newLab({ isps: 2, name: "rtidem" });
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  it("a second and a restarted router change nothing that is right, and break no stream", async () => {
    const config = labConfig(lab, [{ weight: 1 }, { weight: 4 }]);
    const first = controller(lab, config);
    await first.reconcile("start", true);
    await setStates(lab, first, ["up", "up"]);
    const stream = await lab.startStreams({ count: 8, durationMs: 30_000 });
    try {
      const before = await snapshot(lab);
      // A second router beside the first, then a "restarted" one: both read the kernel and find it right.
      for (const again of [controller(lab, config), controller(lab, config)]) {
        const start = await again.reconcile("start", true);
        await setStates(lab, again, ["up", "up"]);
        expect(start.commands).toEqual([]);
        expect(await snapshot(lab)).toEqual(before);
      }
      // suppress-main, then per link: from-address, probe ports, fwmark; then the balance rule.
      expect(before.rules.filter((r) => /^10\d{3}:/.test(r))).toHaveLength(8);
      for (const s of stream.streams) expect(await s.waitForProgress(3000, 64)).toBe(true);
    } finally {
      await stream.stop();
    }
  });

  it("repairs: removes duplicates and leftovers of its range, restores what was deleted, leaves others alone", async () => {
    const config = labConfig(lab, [{}, {}]);
    const c = controller(lab, config);
    await c.reconcile("start", true);
    await setStates(lab, c, ["up", "up"]);
    const gw = (line: string) => lab.exec(lab.ns.gw, ["ip", ...line.split(" ")]);
    // This kernel refuses exact duplicates; a copy at another priority of the range is what an old run leaves.
    await gw(`rule add priority 10150 from ${lab.isps[0]?.gwAddress} lookup 101 protocol 77`);
    await gw("rule add priority 10555 from 198.18.55.0/24 lookup 177 protocol 77"); // leftover of an earlier run
    await gw(`route add table 177 default via ${lab.isps[1]?.modemAddress} proto 77`);
    await gw("rule add priority 500 from 198.18.77.0/24 lookup 77"); // someone else's
    await gw(`route add table 77 default via ${lab.isps[1]?.modemAddress}`);
    await gw("route del table 100 default"); // ours, deleted behind our back
    const r = await c.reconcile("resync", true);
    expect(r.errors).toEqual([]);
    const rules = await ipRules(lab);
    expect(rules.filter((l) => l.startsWith("10100:"))).toHaveLength(1);
    expect(rules.some((l) => l.startsWith("10150:"))).toBe(false);
    expect(rules.some((l) => l.startsWith("10555:"))).toBe(false);
    expect(rules.some((l) => l.startsWith("500:"))).toBe(true);
    expect(await lab.exec(lab.ns.gw, ["ip", "route", "show", "table", "177"])).toBe("");
    expect(await lab.exec(lab.ns.gw, ["ip", "route", "show", "table", "77"])).toContain("default");
    expect(await lab.exec(lab.ns.gw, ["ip", "route", "show", "table", "100"])).toContain("nexthop");
    expect((await lab.openFlows({ count: 50 })).failed).toBe(0);

    const done = await cleanup({ config, log: silentLog, netns: lab.ns.gw });
    expect(done.errors).toEqual([]);
    const after = await ipRules(lab);
    expect(after.filter((l) => /^10\d{3}:/.test(l))).toEqual([]);
    expect(after.some((l) => l.startsWith("500:"))).toBe(true);
    for (const t of ["100", "101", "102"])
      expect(await lab.exec(lab.ns.gw, ["ip", "route", "show", "table", t])).toBe("");
    expect(await lab.exec(lab.ns.gw, ["nft", "list", "tables"])).not.toContain("inet wanpilot\n");
  });
});
