import type { Lab } from "@wanpilot/lab";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { controller, ipRules, labConfig, linkState, newLab, setStates } from "./harness.js";

describe("links learned from DHCP/PPP (real kernel)", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await newLab({ isps: 2, name: "rtlearn" });
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  it("follows a renumbered link: new table routes and from-rule, old ones gone, flows work", async () => {
    const c = controller(lab, labConfig(lab, [{}, {}]));
    await c.reconcile("start", true);
    await setStates(lab, c, ["up", "up"]);
    const isp = await lab.setWanAddress(0, {
      address: "198.18.41.2",
      gateway: "198.18.41.1",
      prefixLength: 24,
    });
    const r = await c.onLinkState({
      ...linkState(lab, 0, "up"),
      source: isp.gwAddress,
      gateway: isp.modemAddress,
    });
    expect(r?.errors).toEqual([]);
    const table = await lab.exec(lab.ns.gw, ["ip", "route", "show", "table", "101"]);
    expect(table).toContain("default via 198.18.41.1 dev wan1");
    expect(table).toContain("198.18.41.0/24 dev wan1");
    const rules = await ipRules(lab);
    expect(rules.some((l) => l.includes("from 198.18.41.2 lookup 101"))).toBe(true);
    expect(rules.some((l) => l.includes("from 198.18.1.2"))).toBe(false);
    expect(await lab.exec(lab.ns.gw, ["ip", "route", "show", "table", "100"])).toContain(
      "via 198.18.41.1 dev wan1",
    );
    const flows = await lab.openFlows({ count: 200 });
    expect(flows.failed).toBe(0);
    expect(Object.keys(flows.byIsp).sort()).toEqual(["isp1", "isp2"]);
  });
});
