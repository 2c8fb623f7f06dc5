import type { Lab } from "@wanpilot/lab";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { controller, ipRules, labConfig, linkState, newLab, setStates } from "./harness.js";

describe("a forged link state (real kernel)", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await newLab({ isps: 2, name: "rtforge" });
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  it("naming a foreign source and gateway installs nothing of them; up/down still counts", async () => {
    const [isp1, isp2] = lab.isps;
    if (isp1 === undefined || isp2 === undefined) throw new Error("two ISPs");
    const c = controller(lab, labConfig(lab, [{}, {}]));
    await c.reconcile("start", true);
    await setStates(lab, c, ["up", "up"]);
    // A valid message (it passes the schema and, on the bus, the prober's ACL) with values of the sender's choice.
    const forged = { ...linkState(lab, 0, "up"), source: lab.lan.hostAddress, gateway: isp2.modemAddress };
    const r = await c.onLinkState(forged);
    expect(r?.errors ?? []).toEqual([]);
    const rules = await ipRules(lab);
    expect(rules.some((l) => l.includes(`from ${lab.lan.hostAddress}`))).toBe(false);
    expect(rules.some((l) => l.includes(`from ${isp1.gwAddress} lookup 101`))).toBe(true);
    const table = (t: string) => lab.exec(lab.ns.gw, ["ip", "route", "show", "table", t]);
    expect(await table("101")).toContain(`default via ${isp1.modemAddress} dev ${isp1.wanInterface}`);
    expect(await table("100")).not.toContain(`via ${isp2.modemAddress} dev ${isp1.wanInterface}`);
    expect(await table("100")).toContain(`via ${isp1.modemAddress} dev ${isp1.wanInterface}`);
    expect((await lab.openFlows({ count: 40 })).failed).toBe(0);
    // What a forged message can do: say down.
    await c.onLinkState({ ...forged, state: "down" });
    expect(await table("100")).not.toContain(isp1.wanInterface);
  });
});
