import { isWanpilotError } from "@wanpilot/common";
import type { Lab } from "@wanpilot/lab";
import { silentLog } from "@wanpilot/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanup } from "../src/cleanup.js";
import { controller, ipRules, labConfig, newLab, setStates } from "./harness.js";

describe("wanpilot deletes only what it created (real kernel)", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await newLab({ isps: 2, name: "rtowner" });
  });
  afterAll(async () => {
    await lab?.destroy();
  });
  const gw = (line: string) => lab.exec(lab.ns.gw, ["ip", ...line.split(" ")]);
  const show = (line: string) => lab.exec(lab.ns.gw, ["ip", ...line.split(" ")]);

  it("foreign rules, routes and nexthops in its ranges are left alone and reported, also by cleanup", async () => {
    const modem = lab.isps[1]?.modemAddress ?? "";
    await gw("rule add priority 10555 from 198.18.77.0/24 lookup 177");
    await gw("rule add priority 10420 fwmark 0x5 lookup 177");
    await gw(`route add table 177 default via ${modem}`);
    await gw(`route add table 101 203.0.113.250 via ${lab.isps[0]?.modemAddress}`);
    await gw(`nexthop add id 10001 via ${modem} dev ${lab.isps[1]?.wanInterface}`);
    await gw(`nexthop add id 10900 group 10001`);
    const config = labConfig(lab, [{}, {}]);
    const c = controller(lab, config);
    expect((await c.reconcile("start", true)).errors).toEqual([]);
    await setStates(lab, c, ["up", "up"]);
    expect((await c.reconcile("resync", true)).errors).toEqual([]);
    expect(c.foreign).toEqual([
      expect.stringContaining('rule "priority 10420 from all fwmark 0x5/0xffffffff lookup 177"'),
      expect.stringContaining('rule "priority 10555 from 198.18.77.0/24 lookup 177"'),
      expect.stringContaining('route "table 101 203.0.113.250 metric 0"'),
    ]);
    expect((await c.state(false))?.foreign).toHaveLength(3);
    expect((await lab.openFlows({ count: 40 })).failed).toBe(0);
    const done = await cleanup({ config, log: silentLog, netns: lab.ns.gw });
    expect(done.errors).toEqual([]);
    const rules = await ipRules(lab);
    expect(rules.filter((l) => /^10\d{3}:/.test(l))).toEqual([
      "10420:\tfrom all fwmark 0x5 lookup 177",
      "10555:\tfrom 198.18.77.0/24 lookup 177",
    ]);
    expect(await show("route show table 177")).toContain(`default via ${modem}`);
    expect(await show("route show table 101")).toBe(
      `203.0.113.250 via ${lab.isps[0]?.modemAddress} dev wan1 \n`,
    );
    expect(await show("nexthop show")).toContain("id 10900 group 10001");
  });

  it("refuses to start beside a foreign rule that would shadow its own, naming it", async () => {
    await gw("rule add priority 10050 lookup 177");
    try {
      const c = controller(lab, labConfig(lab, [{}, {}]));
      const start = c.reconcile("start", true);
      await expect(start).rejects.toSatisfy((e: unknown) => isWanpilotError(e, "KERNEL_CONFLICT"));
      await expect(start).rejects.toThrow('rule "priority 10050 from all lookup 177"');
      const rules = await ipRules(lab);
      expect(rules.filter((l) => /^10\d{3}:/.test(l))).toHaveLength(3);
    } finally {
      await gw("rule del priority 10050 lookup 177");
    }
  });
});
