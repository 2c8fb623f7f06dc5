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
    // Both families (this kernel has IPv6): an IPv6-only fault of isp3 moves only its IPv6.
    expect(text).toMatch(/IPv4 and IPv6 on every link/);
    expect(text).toMatch(/^\d+ new LAN IPv6 connections: isp1 \d+ .* · isp3 \d+/m);
    expect(text).toMatch(/isp3 IPv6 is DOWN after \d+\.\d s \(no reply from 3\/3 targets/);
    expect(text).toMatch(/isp3 IPv6 is UP after \d+\.\d s/);
    expect(text).toMatch(/isp3 UP [\d.]+ms, v6 DOWN/);
    // Every check of the streams that must not notice: IPv4's and IPv6's on the other ISPs after isp1's cut
    // and after isp1's return, IPv6's on the other ISPs and all IPv4 ones (isp3's too) after isp3's IPv6 cut.
    const checks = [...text.matchAll(/(\d+) of (\d+) (streams|IPv6 streams|IPv4 streams) .* kept flowing/g)];
    expect(checks.map((c) => c[3])).toEqual([
      "streams",
      "IPv6 streams",
      "streams",
      "IPv6 streams",
      "IPv6 streams",
      "IPv4 streams",
    ]);
    for (const c of checks) expect([c[1], Number(c[2]) > 0], text).toEqual([c[2], true]);
    // The report of the run: isp1 had one outage, its cause the one the prober gave.
    expect(text).toMatch(/^isp1\s+\d+\.\d+%\s+\S+\s+1\s/m);
    expect(text).toMatch(/^isp1\s+\S+ \S+\s+\S+ \S+\s+\S+\s+no reply from 3\/3 targets/m);
    // isp3's IPv6 outage is in its IPv6 history, its IPv4 had none.
    expect(text).toMatch(/^isp3\/ipv6\s+\d+\.\d+%\s+\S+\s+1\s/m);
    expect(text).toMatch(/^isp3\s+100\.0+%\s+\S+\s+0\s/m);

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
