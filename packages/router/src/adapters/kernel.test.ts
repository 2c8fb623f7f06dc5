import { describe, expect, it } from "vitest";
import { fakeRunner as fake } from "../../test/fixtures/kernel.js";
import { createKernel } from "./kernel.js";

describe("kernel adapter", () => {
  it("runs sysctls first, nft and ip side by side, conntrack last; ip with -n, the rest with ip netns exec", async () => {
    const { run, calls } = fake((argv) =>
      argv.includes("conntrack")
        ? { exitCode: 1, stderr: "conntrack v1.4.7 (conntrack-tools): 3 flow entries have been deleted.\n" }
        : {},
    );
    const result = await createKernel(run, "lab-gw").apply([
      { kind: "conntrack-flush", link: "dsl", mark: 0x10000, mask: 0xff0000 },
      { kind: "ip-batch", lines: ["route replace table 100 unreachable default"] },
      { kind: "nft", text: "table inet wanpilot {}\n" },
      { kind: "sysctl", key: "net.ipv4.ip_forward", value: "1" },
    ]);
    expect(calls.map((c) => c.argv)).toEqual([
      ["ip", "netns", "exec", "lab-gw", "sysctl", "-q", "-w", "net.ipv4.ip_forward=1"],
      ["ip", "-N", "-n", "lab-gw", "-force", "-batch", "-"],
      ["ip", "netns", "exec", "lab-gw", "nft", "-f", "-"],
      ["ip", "netns", "exec", "lab-gw", "conntrack", "-D", "-f", "ipv4", "--mark", "0x10000/0xff0000"],
    ]);
    expect(calls[1]?.opts?.input).toBe("route replace table 100 unreachable default\n");
    expect(result).toEqual({ flushed: [{ link: "dsl", connections: 3 }], errors: [] });
  });

  it("a failing command is reported and the others still run", async () => {
    const { run, calls } = fake((argv) => (argv[0] === "sysctl" ? { exitCode: 255 } : {}));
    const result = await createKernel(run).apply([
      { kind: "sysctl", key: "net.ipv4.conf.gone.rp_filter", value: "2" },
      { kind: "ip-batch", lines: ["rule add priority 10900 from all lookup 100"] },
    ]);
    expect(calls.map((c) => c.argv[0])).toEqual(["sysctl", "ip"]);
    expect(result.errors).toHaveLength(1);
  });

  it("observes: an absent nft table is null, sysctl lines are parsed", async () => {
    const { run } = fake((argv) => {
      if (argv.includes("nft")) return { exitCode: 1, stderr: "Error: No such file or directory" };
      if (argv[0] === "sysctl")
        return { stdout: "net.ipv4.ip_forward = 1\nnet.ipv4.conf.wan1.rp_filter = 2\n" };
      return { stdout: "[]" };
    });
    expect(await createKernel(run).observe(["net.ipv4.ip_forward"])).toEqual({
      rules: [],
      routes: [],
      nexthops: [],
      nftHash: null,
      nftVias: {},
      sysctls: { "net.ipv4.ip_forward": "1", "net.ipv4.conf.wan1.rp_filter": "2" },
      foreign: { rules: [], routes: [], nexthops: [] },
      v6: { rules: [], routes: [] },
    });
  });
});
