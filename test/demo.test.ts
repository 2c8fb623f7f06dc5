import { execFileSync } from "node:child_process";
import { listNamespaces } from "@wanpilot/lab";
import { until } from "@wanpilot/testing";
import { describe, expect, it } from "vitest";
import { Spawned } from "./helpers/process.js";

const BIN = new URL("../packages/cli/bin/wanpilot.js", import.meta.url).pathname;

describe("wanpilot demo --fast (the whole system on simulated ISPs)", () => {
  it("plays the outage story, keeps healthy streams, reports the outage, and leaves nothing behind", async () => {
    const demo = new Spawned([process.execPath, BIN, "demo", "--fast"]);
    await until("the demo to finish", () => demo.exit !== undefined, 110_000);
    const text = demo.text();
    expect(demo.exit?.code, text).toBe(0);
    expect(text).toMatch(/isp1 is DOWN after \d+\.\d s \(no reply from 3\/3 targets/);
    expect(text).toMatch(/isp2 is DEGRADED after \d+\.\d s \(loss \d+% over 20% threshold\)/);
    expect(text).toMatch(/isp1 is UP after \d+\.\d s/);
    expect(text).toMatch(/isp2 is UP after \d+\.\d s/);
    // Both checks of the streams on the other ISPs: every one kept flowing.
    const checks = [...text.matchAll(/(\d+) of (\d+) streams on the other ISPs kept flowing/g)];
    expect(checks).toHaveLength(2);
    for (const c of checks) expect(c[1]).toBe(c[2]);
    // The report of the run: isp1 had one outage, its cause the one the prober gave.
    expect(text).toMatch(/^isp1\s+\d+\.\d+%\s+\S+\s+1\s/m);
    expect(text).toMatch(/^isp1\s+\S+ \S+\s+\S+ \S+\s+\S+\s+no reply from 3\/3 targets/m);

    const [, gwNs, configPath] = /running in namespace (\S+) with (\S+);/.exec(text) ?? [];
    expect(gwNs).toBeDefined();
    expect(configPath).toMatch(/wanpilot\.yaml$/);
    const labId = gwNs?.replace(/-gw$/, "") ?? "";
    expect((await listNamespaces()).filter((n) => n.startsWith(labId))).toEqual([]);
    const leftovers = execFileSync("ps", ["-eo", "args"], { encoding: "utf8" })
      .split("\n")
      .filter((l) => l.includes(configPath ?? "?") || l.includes(labId));
    expect(leftovers).toEqual([]);
  });
});
