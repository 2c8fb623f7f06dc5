import type { Lab } from "@wanpilot/lab";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { controller, labConfig, linkState, newLab, setStates } from "./harness.js";

const table = (lab: Lab, id: number) => lab.exec(lab.ns.gw, ["ip", "route", "show", "table", String(id)]);

describe("a WAN interface that goes away and comes back (real kernel)", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await newLab({ isps: 2, name: "rtplug" });
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  it("set down and up again (ifdown/ifup, a modem reset): its table is back with its carrier", async () => {
    const c = controller(lab, labConfig(lab, [{}, {}]));
    await c.reconcile("start", true);
    await setStates(lab, c, ["up", "up"]);
    expect(await table(lab, 101)).toContain("default via 198.18.1.1 dev wan1");
    // The kernel flushes every route through an interface set down, wanpilot's table 101 too.
    const cycle = async (resyncWhileDown: boolean) => {
      await lab.gwExec(["ip", "link", "set", "wan1", "down"]);
      const lost = await c.onLinkState({ ...linkState(lab, 0, "down"), carrier: false });
      expect(lost?.errors).toEqual([]);
      // Routes through a down interface are refused: a resync while it is down asks for none.
      if (resyncWhileDown) expect((await c.reconcile("resync", true)).errors).toEqual([]);
      await lab.gwExec(["ip", "link", "set", "wan1", "up"]);
      const back = await c.onLinkState({ ...linkState(lab, 0, "down"), carrier: true });
      expect(back?.errors).toEqual([]);
      // At once, not at the next resync: the prober's probes leave by this table, it could not recover.
      expect(await table(lab, 101)).toContain("default via 198.18.1.1 dev wan1");
    };
    await cycle(false);
    await cycle(true);
    await setStates(lab, c, ["up", "up"]);
    expect(await table(lab, 100)).toContain("dev wan1");
  });

  it("unplugged and plugged in again (USB modem, new ifindex): no failed command, routes back", async () => {
    const c = controller(lab, labConfig(lab, [{}, {}]));
    await c.reconcile("start", true);
    await setStates(lab, c, ["up", "up"]);
    await lab.unplugWan(0);
    const gone = { ...linkState(lab, 0, "down"), carrier: false, source: null, gateway: null };
    expect((await c.onLinkState(gone))?.errors).toEqual([]);
    expect((await c.reconcile("resync", true)).errors).toEqual([]);
    expect(await table(lab, 101)).toBe("");
    expect(await table(lab, 100)).toContain("dev wan2");
    await lab.plugWan(0);
    const back = await c.onLinkState({ ...linkState(lab, 0, "down"), carrier: true });
    expect(back?.errors).toEqual([]);
    expect(await table(lab, 101)).toContain("default via 198.18.1.1 dev wan1");
    // Its settings start from the defaults on a new interface: the router sets them again.
    const sysctl = await lab.gwExec(["sysctl", "-n", "net.ipv4.conf.wan1.src_valid_mark"]);
    expect(sysctl.trim()).toBe("1");
    await setStates(lab, c, ["up", "up"]);
    const flows = await lab.openFlows({ count: 100 });
    expect(flows.failed).toBe(0);
    expect(Object.keys(flows.byIsp).sort()).toEqual(["isp1", "isp2"]);
  });
});
