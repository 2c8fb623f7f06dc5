import { fileURLToPath } from "node:url";
import { createLab, isPidAlive, type Lab, type LabProcess } from "@wanpilot/lab";
import { until } from "@wanpilot/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LabDeployment, WANPILOT_BIN } from "wanpilot/labrun";
import type { StatusView } from "../packages/cli/src/status/view.js";
import { type StatusWatch, watchStatus } from "./helpers/lab-views.js";

// `wanpilot exec --link NAME -- CMD…` in a lab gateway running wanpilot: CMD's connections leave by
// that link only, other traffic is untouched, and its policy rules go away when it ends (also when killed).
const FLOW_CLIENT = fileURLToPath(new URL("../packages/lab/dist/flow-client.js", import.meta.url));
const FAST = { interval: "200ms", timeout: "500ms", down: 2, up: 2 };

let lab: Lab;
let dep: LabDeployment;
let status: StatusWatch;
const spawned: LabProcess[] = [];

const view = (ok: (v: StatusView) => boolean, what: string) => status.view(ok, what);

/** The flow client's argv: `count` TCP connections to the flow server, each reporting the ISP it came by. */
const flows = (count: number, timeoutMs = 3000) => [
  process.execPath,
  FLOW_CLIENT,
  JSON.stringify({
    mode: "flows",
    host: lab.server.address,
    port: lab.server.tcpPort,
    proto: "tcp",
    count,
    timeoutMs,
    concurrency: 4,
  }),
];

/** ISP (or "failed") of every flow a flow-client printed. */
function tally(stdout: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of stdout.split("\n")) {
    if (!line.startsWith("{")) continue;
    const e = JSON.parse(line) as { event: string; isp?: string };
    if (e.event !== "flow") continue;
    const key = e.isp ?? "failed";
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

/** `wanpilot exec` run in the gateway: its exit code and output. */
async function exec(link: string, argv: string[]) {
  const r = await lab.tryExec(
    lab.ns.gw,
    [process.execPath, WANPILOT_BIN, "exec", "--link", link, "--config", dep.configPath, "--", ...argv],
    { timeoutMs: 30_000, okExitCodes: Array.from({ length: 256 }, (_, i) => i) },
  );
  return { code: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}

/** A long `wanpilot exec --link isp1 -- sleep 60` in the gateway. */
const run = () =>
  lab.spawn(lab.ns.gw, [
    process.execPath,
    WANPILOT_BIN,
    "exec",
    "--link",
    "isp1",
    "--config",
    dep.configPath,
    "--",
    "sleep",
    "60",
  ]);

const execRules = async () =>
  (await lab.gwExec(["ip", "-4", "rule", "show"]))
    .split("\n")
    .concat((await lab.gwExec(["ip", "-6", "rule", "show"])).split("\n"))
    .filter((l) => l.includes("uidrange"));

beforeAll(async () => {
  lab = await createLab({ isps: 3, name: "exec" });
  dep = LabDeployment.start(lab, { probe: FAST, logLevel: "warn" });
  status = watchStatus(dep);
  spawned.push(status.process);
  await view((v) => v.links.every((l) => l.state === "up" && l.active), "every link up and active");
  // isp2 out of rotation: only `wanpilot exec` may still reach the flow server through it.
  await dep.cli(["link", "isp2", "disable"]);
  await view((v) => v.links.find((l) => l.name === "isp2")?.active === false, "isp2 disabled");
});

afterAll(async () => {
  for (const p of spawned) await p.stop(1000).catch(() => undefined);
  await dep?.stop();
  await lab?.destroy();
});

describe("wanpilot exec --link", () => {
  it("sends the command's connections by that link only, even one out of rotation; other traffic is untouched", async () => {
    const gatewayOwn = lab.tryExec(lab.ns.gw, flows(30), { timeoutMs: 30_000 });
    const pinned = await exec("isp2", flows(30));
    expect(pinned.code, pinned.stderr).toBe(0);
    expect(tally(pinned.stdout)).toEqual({ isp2: 30 });
    // The gateway's other processes and the LAN keep to the balance, which has no isp2.
    const own = tally((await gatewayOwn).stdout);
    expect(own.isp2 ?? 0).toBe(0);
    expect(own.failed ?? 0).toBe(0);
    const lan = await lab.openFlows({ count: 60 });
    expect(lan.failed).toBe(0);
    expect(lan.byIsp.isp2 ?? 0).toBe(0);
    expect(Object.keys(lan.byIsp).sort()).toEqual(["isp1", "isp3"]);
    expect(await execRules()).toEqual([]);
  });

  it("never leaks to another link: with the link's upstream cut, the command's connections fail", async () => {
    await lab.cutUpstream(2);
    try {
      const r = await exec("isp3", flows(4, 1500));
      expect(tally(r.stdout)).toEqual({ failed: 4 });
    } finally {
      await lab.restoreUpstream(2);
    }
    expect(await execRules()).toEqual([]);
  });

  it("passes on the exit code, refuses unknown links and missing commands", async () => {
    expect((await exec("isp1", [process.execPath, "-e", "process.exit(7)"])).code).toBe(7);
    const unknown = await exec("nope", ["true"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no link "nope"/);
    const missing = await exec("isp1", ["no-such-command-here"]);
    expect(missing.code).toBe(127);
    expect(await execRules()).toEqual([]);
  });

  it("removes its rules when killed: forwarded to the command on SIGTERM, swept by the next exec after SIGKILL", async () => {
    const term = run();
    spawned.push(term);
    await until("the exec's rules", async () => (await execRules()).length === 4, 15_000);
    process.kill(term.pid ?? 0, "SIGTERM");
    const exit = await term.exited;
    expect(exit.exitCode).toBe(128 + 15);
    expect(await execRules()).toEqual([]);

    const killed = run();
    spawned.push(killed);
    await until("the exec's rules", async () => (await execRules()).length === 4, 15_000);
    process.kill(killed.pid ?? 0, "SIGKILL");
    await until("the exec gone", () => !isPidAlive(killed.pid ?? 0), 10_000);
    // Its command lives on (still pinned to isp1) until it ends; then the next exec sweeps the rules.
    expect((await execRules()).length).toBe(4);
    // The command (still running in the killed exec's process group) is ended; the next exec sweeps.
    process.kill(-(killed.pid ?? 0), "SIGTERM");
    await until(
      "an exec sweeps the killed one's rules",
      async () => {
        const next = await exec("isp1", ["true"]);
        expect(next.code, next.stderr).toBe(0);
        return (await execRules()).length === 0;
      },
      15_000,
    );
  });

  it("leaves nothing behind after cleanup: a killed exec's rules go once its command has ended", async () => {
    const killed = run();
    spawned.push(killed);
    await until("the exec's rules", async () => (await execRules()).length === 4, 15_000);
    process.kill(killed.pid ?? 0, "SIGKILL");
    await until("the exec gone", () => !isPidAlive(killed.pid ?? 0), 10_000);
    process.kill(-(killed.pid ?? 0), "SIGTERM");
    // cleanup refuses while the router runs: wanpilot is stopped first, as an owner would.
    await dep.stop({ keepFiles: true });
    await until(
      "cleanup removing them",
      async () => {
        const out = await dep.cli(["cleanup"], 30_000);
        expect(out).toMatch(/removed wanpilot's routing|nothing of wanpilot's/);
        return (await execRules()).length === 0;
      },
      15_000,
    );
    expect(await lab.gwExec(["ip", "-4", "rule", "show"])).not.toMatch(/lookup 10[0-9]\b/);
  });
});
