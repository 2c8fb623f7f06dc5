import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { topics } from "@wanpilot/common";
import { createLab, type Lab } from "@wanpilot/lab";
import { labConfigObject } from "wanpilot/labrun";
import { KernelWatch } from "../observe/kernel.js";
import { sleep, waitFor } from "../poll.js";
import type { Measurement } from "../results.js";
import type { Scenario, ScenarioContext, ScenarioOutput } from "../scenario.js";
import { summarize } from "../stats.js";
import { GATEWAY, PROFILES, Running } from "../wanpilot.js";

const SCENARIO = "live";

/** The balance table's default route as `dev weight` pairs, e.g. "wan1:2 wan2:3 wan3:4". */
async function routeWeights(lab: Lab): Promise<string> {
  const out = await lab.gwExec(["ip", "route", "show", "table", "all", "default"]);
  return [...out.matchAll(/dev (\S+) weight (\d+)/g)].map((m) => `${m[1]}:${m[2]}`).join(" ");
}

async function run(ctx: ScenarioContext, out: ScenarioOutput): Promise<void> {
  const reloads = ctx.quick ? 3 : 8;
  const commands = ctx.quick ? 6 : 20;
  ctx.progress("live: 3 links; building the lab");
  const lab = await createLab({ isps: 3, name: "live" });
  const kernel = new KernelWatch(lab);
  let running: Running | undefined;
  try {
    await sleep(500);
    // The router logs each command's timings at info ("operator command applied", `ms`).
    const routerMs: Array<Record<string, number>> = [];
    running = new Running(lab, {
      probe: PROFILES.fast,
      logLevel: "info",
      tapCommands: true,
      onLine: (line) => {
        if (!line.includes('"operator command applied"')) return;
        const ms = (JSON.parse(line) as { ms?: Record<string, number> }).ms;
        if (ms !== undefined) routerMs.push(ms);
      },
    });
    await running.waitHealthy(60_000);
    const dep = running.dep;
    const runDir = join(dep.dir, "run");
    const pid = Number(readFileSync(join(runDir, "wanpilot.pid"), "utf8").trim());
    const reloadMs: number[] = [];
    ctx.progress(`live: ${reloads} reloads that change three weights`);
    for (let k = 0; k < reloads; k++) {
      const weights = [2 + k, 3 + k, 4 + k].map((w) => ((w - 1) % 200) + 1);
      const object = labConfigObject(lab, dep.dir, {
        gateway: GATEWAY,
        logLevel: "info",
        weights,
        probe: PROFILES.fast,
      });
      // JSON is YAML: no YAML writer needed.
      writeFileSync(dep.configPath, JSON.stringify(object));
      const want = lab.isps.map((isp, i) => `${isp.wanInterface}:${weights[i]}`).join(" ");
      await sleep(300);
      const t0 = Date.now();
      process.kill(pid, "SIGHUP");
      await waitFor(
        "the new weights in the kernel",
        async () => ((await routeWeights(lab)) === want ? true : undefined),
        10_000,
      );
      const changed = kernel.firstAfter(t0);
      if (changed !== undefined) reloadMs.push(changed - t0);
    }
    const password = readFileSync(join(runDir, "operator.password"), "utf8").trim();
    const port = dep.config.bus.listen.split(":")[1] ?? "1883";
    const commandMs: number[] = [];
    /** Per command: publish → the tap got it, the tap got it → kernel, kernel → the result on `operations`. */
    const legs = { delivered: [] as number[], routed: [] as number[], answered: [] as number[] };
    const link = lab.isps[0]?.name ?? "isp1";
    const iface = lab.isps[0]?.wanInterface ?? "wan1";
    // One long-lived publisher (`-l`: a message per stdin line), so no process start is timed.
    const pub = lab.spawn(lab.ns.gw, [
      "mosquitto_pub",
      "-h",
      "127.0.0.1",
      "-p",
      port,
      "-u",
      "operator",
      "-P",
      password,
      "-q",
      "1",
      "-t",
      topics.linkCommand(GATEWAY, link),
      "-l",
    ]);
    ctx.progress(`live: ${commands} operator commands (weight of ${link})`);
    try {
      await sleep(500);
      for (let k = 0; k < commands; k++) {
        const weight = k % 2 === 0 ? 50 : 7;
        await sleep(300);
        const t0 = Date.now();
        pub.stdin?.write(`${JSON.stringify({ action: "weight", value: weight })}\n`);
        await waitFor(
          "the command in the kernel",
          async () => ((await routeWeights(lab)).includes(`${iface}:${weight}`) ? true : undefined),
          10_000,
        );
        const changed = kernel.firstAfter(t0);
        if (changed === undefined) continue;
        commandMs.push(changed - t0);
        const seen = running.tap.commandAt("linkCommand", t0);
        const answer = await waitFor(
          "the command's result",
          async () => running?.tap.commandAt("operation", t0),
          10_000,
        );
        if (seen === undefined) continue;
        legs.delivered.push(seen - t0);
        legs.routed.push(changed - seen);
        legs.answered.push(answer - changed);
      }
    } finally {
      await pub.stop(1000);
    }
    out.measurements.push(
      {
        scenario: SCENARIO,
        metric: "reload changing three weights (SIGHUP) → kernel changed",
        system: "wanpilot",
        unit: "ms",
        summary: summarize(reloadMs),
        note: "target < 1 s",
      },
      {
        scenario: SCENARIO,
        metric: "operator command (weight over MQTT) → kernel changed",
        system: "wanpilot",
        unit: "ms",
        summary: summarize(commandMs),
        note: "connected mosquitto_pub -l (operator); target median < 50 ms",
      },
    );
    const leg = (metric: string, samples: number[], note: string): Measurement => ({
      scenario: SCENARIO,
      metric,
      system: "wanpilot",
      unit: "ms",
      summary: summarize(samples),
      note,
    });
    const router = (key: string) => routerMs.map((m) => m[key] ?? 0);
    out.measurements.push(
      leg(
        "command: publish → delivered to a subscriber",
        legs.delivered,
        "the embedded broker's hop (a bus tap)",
      ),
      leg("command: delivered → kernel changed", legs.routed, "the router's part, seen from outside"),
      leg("command: router received → answer ready", router("totalMs"), "the router's own clock"),
      leg("command: of which `ip -batch` (process and kernel)", router("applyMs"), "the router's own clock"),
      leg("command: of which planning", router("planMs"), "desired state and diff"),
      leg("command: of which saving overrides.json", router("saveMs"), "after the kernel has it"),
      leg("command: kernel changed → result on `operations`", legs.answered, "state published first"),
    );
    out.raw = { reloadMs, commandMs, legs, routerMs };
    out.notes.push(
      "kernel changes seen by `ip -ts monitor` in the gateway namespace (first change after the trigger)",
    );
  } finally {
    await kernel.stop().catch(() => undefined);
    await running?.stop().catch(() => undefined);
    await lab.destroy();
  }
}

export const live: Scenario = {
  name: SCENARIO,
  title: "Live operation: a reload changing three weights, an operator command, → kernel",
  run,
};
