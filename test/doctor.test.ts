import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLab, type Lab } from "@wanpilot/lab";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import type { Finding } from "../packages/cli/src/core/doctor.js";

const BIN = new URL("../packages/cli/bin/wanpilot.js", import.meta.url).pathname;

interface Report {
  errors: number;
  warnings: number;
  findings: Finding[];
}

describe("wanpilot doctor in a lab gateway (run with ip netns exec)", () => {
  let lab: Lab;
  let dir = "";
  let configPath = "";

  const doctor = async (): Promise<{ code: number; report: Report; text: string }> => {
    const json = await lab.tryExec("gw", [process.execPath, BIN, "doctor", "--json", "-c", configPath], {
      okExitCodes: [0, 1],
      timeoutMs: 60_000,
    });
    const text = await lab.tryExec("gw", [process.execPath, BIN, "doctor", "-c", configPath], {
      okExitCodes: [0, 1],
      timeoutMs: 60_000,
    });
    return { code: json.exitCode, report: JSON.parse(json.stdout) as Report, text: text.stdout };
  };
  const problems = (r: Report) => r.findings.filter((f) => f.level === "error" || f.level === "warning");

  beforeAll(async () => {
    lab = await createLab({ isps: 3, gwMasquerade: false, name: "doctor" });
    dir = mkdtempSync(join(tmpdir(), "wanpilot-doctor-"));
    configPath = join(dir, "wanpilot.yaml");
    // Learned links (no gateway, no source): their DHCP/PPP client's default routes are what doctor checks.
    const config = {
      gateway: "lab",
      runtime_dir: join(dir, "run"),
      links: lab.isps.map((isp) => ({ name: isp.name, interface: isp.wanInterface })),
      bus: { listen: "127.0.0.1:1883" },
      logger: { database: join(dir, "wanpilot.db") },
    };
    writeFileSync(configPath, stringify(config));
    // What DHCP clients with distinct metrics would have installed.
    for (const [i, isp] of lab.isps.entries())
      await lab.gwExec([
        "ip",
        "route",
        "add",
        "default",
        "via",
        isp.modemAddress,
        "dev",
        isp.wanInterface,
        "metric",
        String(100 * (i + 1)),
      ]);
  });
  afterAll(async () => {
    await lab?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it("finds nothing to fix on a well-prepared gateway (exit 0)", async () => {
    const { code, report } = await doctor();
    expect(problems(report)).toEqual([]);
    expect(code).toBe(0);
  });

  it("names six seeded misconfigurations, each with its fix, and exits 1", async () => {
    const [isp1, isp2, isp3] = lab.isps;
    if (isp1 === undefined || isp2 === undefined || isp3 === undefined) throw new Error("three ISPs");
    // 1. isp2's DHCP client lost its default route.
    await lab.gwExec(["ip", "route", "del", "default", "dev", isp2.wanInterface]);
    // 2. isp3's client installs its default route with isp1's metric.
    await lab.gwExec(["ip", "route", "del", "default", "dev", isp3.wanInterface]);
    await lab.gwExec([
      "ip",
      "route",
      "append",
      "default",
      "via",
      isp3.modemAddress,
      "dev",
      isp3.wanInterface,
      "metric",
      "100",
    ]);
    // 3. A firewall whose forward chain drops by default. 4. A VPN marking packets in wanpilot's bits.
    await lab.gwExec(["nft", "-f", "-"], {
      input: [
        "table inet fw {",
        "  chain forward { type filter hook forward priority 0; policy drop; }",
        "}",
        "table inet vpn {",
        "  chain pre { type filter hook prerouting priority -150; meta mark set 0x01000000; }",
        "}",
      ].join("\n"),
    });
    // 5. Another program's rule inside wanpilot's priority range, catching every packet before wanpilot's.
    await lab.gwExec(["ip", "rule", "add", "priority", "10500", "lookup", "200"]);
    // 6. An IPv6 default route on a WAN (wanpilot fails over IPv4 only).
    await lab.gwExec(["ip", "-6", "addr", "add", "2001:db8:61::2/64", "dev", isp1.wanInterface, "nodad"]);
    await lab.gwExec([
      "ip",
      "-6",
      "route",
      "add",
      "default",
      "via",
      "2001:db8:61::1",
      "dev",
      isp1.wanInterface,
    ]);

    const { code, report, text } = await doctor();
    expect(code).toBe(1);
    const found = problems(report);
    const expectFinding = (check: string, message: RegExp, fix: RegExp) => {
      const f = found.find((x) => x.check === check && message.test(x.message));
      expect(f, `${check}: ${message} in\n${text}`).toBeDefined();
      expect(f?.fix ?? "").toMatch(fix);
    };
    expectFinding(
      "default routes",
      new RegExp(`link isp2: no default route on ${isp2.wanInterface}`),
      /metric/,
    );
    expectFinding(
      "default routes",
      new RegExp(
        `${isp1.wanInterface} and ${isp3.wanInterface} have default routes with the same metric 100`,
      ),
      /distinct metric/,
    );
    expectFinding("forward policy", /inet fw chain forward drops/, /ct state established,related accept/);
    expectFinding("foreign marks", /inet vpn chain pre sets meta mark 0x1000000/, /bits outside 0x7f000000/);
    expectFinding(
      "foreign rules",
      /priority 10500 \(table 200\) is in wanpilot's range/,
      /ip rule del priority 10500/,
    );
    expectFinding("ipv6", new RegExp(`${isp1.wanInterface} has an IPv6 default route`), /accept_ra=0/);
    expect(found).toHaveLength(6);
    // Errors: isp2's missing default route, the shared metric, and the rule that catches every packet
    // before wanpilot's (the router refuses to start with it).
    expect(report.errors).toBe(3);
    // The text output says the same, with the fix under each finding.
    expect(text).toMatch(/^ERROR {3}foreign rules: .*refuses to start\n {8}→ move it out of 10000–10999/m);
    expect(text).toMatch(/^3 problems, 3 warnings$/m);
  });
  it("explain answers from the kernel too and names a main-table route that overrides wanpilot", async () => {
    const isp2 = lab.isps[1];
    if (isp2 === undefined) throw new Error("three ISPs");
    await lab.gwExec([
      "ip",
      "route",
      "add",
      "203.0.113.0/28",
      "via",
      isp2.modemAddress,
      "dev",
      isp2.wanInterface,
    ]);
    const r = await lab.tryExec("gw", [process.execPath, BIN, "explain", "203.0.113.5", "-c", configPath], {
      timeoutMs: 60_000,
    });
    const via = `via ${isp2.modemAddress.replaceAll(".", "\\.")} dev ${isp2.wanInterface}`;
    expect(r.stdout).toMatch(new RegExp(`^  kernel: ip route get 203\\.0\\.113\\.5 → ${via}$`, "m"));
    expect(r.stdout).toMatch(
      new RegExp(
        `^  main-table route 203\\.0\\.113\\.0/28 ${via} is more specific than the default route`,
        "m",
      ),
    );
    const elsewhere = await lab.tryExec(
      "gw",
      [process.execPath, BIN, "explain", "203.0.113.77", "-c", configPath],
      {
        timeoutMs: 60_000,
      },
    );
    expect(elsewhere.stdout).not.toMatch(/main-table route/);
  });
});
