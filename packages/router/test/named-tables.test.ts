import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import type { Lab } from "@wanpilot/lab";
import { silentLog } from "@wanpilot/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRunner } from "../src/adapters/command.js";
import { createKernel } from "../src/adapters/kernel.js";
import { cleanup } from "../src/cleanup.js";
import { Controller } from "../src/controller.js";
import { ipRules, labConfig, linkState, newLab } from "./harness.js";

// `ip netns exec` bind-mounts /etc/netns/<ns>/* over /etc: the gateway's own /etc/iproute2 names tables.
const RT_TABLES = "255 local\n254 main\n253 default\n0 unspec\n100 wanbalance\n101 isp-one\n102 isp-two\n";

describe("tables named in /etc/iproute2/rt_tables (real kernel)", () => {
  let lab: Lab;
  let etc: string;
  beforeAll(async () => {
    lab = await newLab({ isps: 2, name: "rtnamed" });
    etc = `/etc/netns/${lab.ns.gw}`;
    mkdirSync(`${etc}/iproute2/rt_tables.d`, { recursive: true });
    writeFileSync(`${etc}/iproute2/rt_tables`, RT_TABLES);
  });
  afterAll(async () => {
    if (etc !== undefined) rmSync(etc, { recursive: true, force: true });
    await lab?.destroy();
  });

  it("reads the kernel numerically: a second reconcile changes nothing, cleanup removes everything", async () => {
    const kernel = createKernel(createRunner(["ip", "netns", "exec", lab.ns.gw]));
    // The names really are in force for `ip` in that namespace.
    const named = await lab.exec(lab.ns.gw, ["ip", "netns", "exec", lab.ns.gw, "ip", "rule", "show"]);
    const config = labConfig(lab, [{}, {}]);
    const c = new Controller({
      config,
      log: silentLog,
      kernel,
      now: () => new Date(),
      newId: () => "named-0001",
    });
    expect((await c.reconcile("start", true)).errors).toEqual([]);
    for (const i of [0, 1]) await c.onLinkState(linkState(lab, i, "up"));
    const shown = await lab.exec(lab.ns.gw, ["ip", "netns", "exec", lab.ns.gw, "ip", "rule", "show"]);
    expect(named).not.toContain("isp-one");
    expect(shown).toContain("lookup isp-one");
    const again = await c.reconcile("resync", true);
    expect(again.errors).toEqual([]);
    expect(again.commands).toEqual([]);
    expect((await lab.openFlows({ count: 40 })).failed).toBe(0);
    const done = await cleanup({ config, log: silentLog, kernel });
    expect(done.errors).toEqual([]);
    expect((await ipRules(lab)).filter((l) => /^10\d{3}:/.test(l))).toEqual([]);
  });
});
