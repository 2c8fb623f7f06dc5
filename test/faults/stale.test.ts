import { RouterState, topics } from "@wanpilot/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Deployed, isAlive, until } from "./lib/harness.js";
import { routingProblems } from "./lib/kernel-check.js";

// A prober that stops (SIGSTOP: a hung process) leaves its retained "up" on the bus. Its heartbeat
// (LinkHealth, every 2 s) stops: after 3 intervals the router takes the link out of the default route
// while another link is fresh and live, and `wanpilot start` kills and restarts the silent prober.
const note = (line: string) => process.stderr.write(`[faults/stale] ${line}\n`);

let d: Deployed;
beforeAll(async () => {
  d = await Deployed.create({ isps: 2, name: "stale", mode: "start" });
});
afterAll(async () => {
  await d?.destroy();
});

function routerStates(): RouterState[] {
  const topic = topics.routerState(d.gateway);
  return d.watch
    .messages()
    .filter((m) => m.topic === topic)
    .flatMap((m) => {
      const r = RouterState.safeParse(JSON.parse(m.payload));
      return r.success ? [r.data] : [];
    });
}

describe("a stopped prober (wanpilot start)", () => {
  it("its link leaves the default route once stale, and the prober is restarted", async () => {
    const both = new Set(d.config.links.map((l) => l.name));
    await d.routerSettled(both);
    const pid = await until(
      "prober/isp1's pid",
      () =>
        d.supervisorState()?.processes.find((p) => p.name === "prober/isp1" && p.running)?.pid ?? undefined,
    );
    expect(pid).toBeGreaterThan(0);
    // Its heartbeat is running (so the supervisor's bound counts from a heartbeat, not from the start).
    const health = topics.linkHealth(d.gateway, "isp1");
    await until("isp1's heartbeats", () => d.watch.messages().filter((m) => m.topic === health).length >= 2);
    try {
      const t0 = Date.now();
      process.kill(pid, "SIGSTOP");
      // The link dies while nobody watches it: its last word on the bus stays "up".
      await d.lab.cutUpstream("isp1");
      await until(
        "the default route to leave isp1",
        async () => (await routingProblems(d.lab, d.config, new Set(["isp2"]))).length === 0,
        20_000,
        100,
      );
      const leftMs = Date.now() - t0;
      // Still the stopped process: the router acted on the silence, not on a restarted prober's word.
      expect(isAlive(pid)).toBe(true);
      const stale = routerStates().find((s) => s.links.some((l) => l.link === "isp1" && l.stale));
      expect(stale?.links.find((l) => l.link === "isp1")).toMatchObject({
        state: "up",
        stale: true,
        active: false,
      });
      const ping = await d.lab.pingFrom(d.lab.ns.lan, d.lab.targets[0] ?? "", { count: 3, intervalMs: 200 });
      expect(ping.received).toBeGreaterThan(0);
      const restarted = await until(
        "the silent prober to be restarted",
        () => {
          const p = d.supervisorState()?.processes.find((x) => x.name === "prober/isp1");
          return p?.running && p.pid !== pid ? p : undefined;
        },
        30_000,
      );
      const restartedMs = Date.now() - t0;
      expect(restarted).toMatchObject({ restarts: 1, lastExit: { signal: "SIGKILL" } });
      expect(isAlive(pid)).toBe(false);
      // The new prober sees the cut: the link is down, and no longer stale.
      await until(
        "the restarted prober's down",
        () =>
          routerStates()
            .at(-1)
            ?.links.find((l) => l.link === "isp1" && l.state === "down" && !l.stale),
        20_000,
      );
      const kill = d.logs.find((l) => l.msg === "child silent, killing");
      expect(kill).toMatchObject({ child: "prober/isp1", childPid: pid });
      note(
        `default route left isp1 ${leftMs} ms after SIGSTOP; prober killed (silent ${String(kill?.["silentMs"])} ms) and restarted after ${restartedMs} ms`,
      );
      await d.lab.restoreUpstream("isp1");
      await d.routerSettled(both);
    } finally {
      if (isAlive(pid)) process.kill(pid, "SIGCONT");
    }
  });
});
