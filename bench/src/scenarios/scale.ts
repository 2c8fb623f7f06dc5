import { createLab } from "@wanpilot/lab";
import { burst, KernelWatch } from "../observe/kernel.js";
import { sleep, waitFor } from "../poll.js";
import type { Scenario, ScenarioContext, ScenarioOutput } from "../scenario.js";
import { summarize } from "../stats.js";
import { PROFILES, Running, withoutDamping } from "../wanpilot.js";

const SCENARIO = "scale";
const LINKS = 16;
const RULES = 200;

/** 200 traffic rules, each pinned to two of the 16 links (the shape of the router's own measurement). */
export function scaleRules(links: number, count: number): Array<Record<string, unknown>> {
  return Array.from({ length: count }, (_, k) => ({
    name: `r${k}`,
    dst: `203.0.113.${k % 250}/32`,
    proto: "tcp",
    dport: 1000 + k,
    via: [`isp${(k % links) + 1}`, `isp${((k + 1) % links) + 1}`],
  }));
}

function causes(downs: ReadonlyArray<{ link: string; cause: string }>): string {
  if (downs.length === 0) return "none";
  return downs
    .slice(0, 5)
    .map((d) => `${d.link}: ${d.cause}`)
    .join("; ");
}

async function run(ctx: ScenarioContext, out: ScenarioOutput): Promise<void> {
  const toggles = ctx.quick ? 2 : 6;
  ctx.progress(`scale: ${LINKS} links, ${RULES} rules; building the lab`);
  const lab = await createLab({ isps: LINKS, gwMasquerade: false, name: "scale" });
  const kernel = new KernelWatch(lab);
  let running: Running | undefined;
  try {
    await sleep(500); // ip monitor listening before wanpilot starts
    const startAt = Date.now();
    running = new Running(lab, { rules: scaleRules(LINKS, RULES), probe: withoutDamping(PROFILES.fast) });
    await running.waitHealthy(120_000);
    const healthyAt = Date.now();
    const install = burst(kernel.times(), startAt, 500);
    const r = running;
    // No link may go down while nothing happens: not at start, not in the quiet minutes after.
    const quietMs = ctx.quick ? 60_000 : 300_000;
    ctx.progress(`scale: every link up after ${healthyAt - startAt} ms; ${quietMs / 1000} s quiet watch`);
    await sleep(quietMs);
    const startDowns = r.tap.transitionsBetween("down", startAt, healthyAt);
    const quietDowns = r.tap.transitionsBetween("down", healthyAt, healthyAt + quietMs);
    const link = "isp4";
    const firstChange: number[] = [];
    const settled: number[] = [];
    const events: number[] = [];
    ctx.progress(`scale: ${toggles} outages of ${link}`);
    for (let k = 0; k < toggles; k++) {
      await r.waitHealthy(60_000);
      await sleep(500);
      const cutAt = Date.now();
      await lab.cutUpstream(link);
      const msgAt = await waitFor(`${link} down`, () => r.tap.transitionMessage(link, "down", cutAt), 20_000);
      await sleep(1500);
      const b = burst(kernel.times(), msgAt - 5, 200);
      if (b !== undefined) {
        firstChange.push(b.first - msgAt);
        settled.push(b.last - msgAt);
        events.push(b.count);
      }
      const restoreAt = Date.now();
      await lab.restoreUpstream(link);
      await waitFor(`${link} up`, () => r.tap.transition(link, "up", restoreAt), 30_000);
    }
    out.measurements.push(
      {
        scenario: SCENARIO,
        metric: `${LINKS} links, ${RULES} rules: start → every link up and routed`,
        system: "wanpilot (fast)",
        unit: "ms",
        value: healthyAt - startAt,
        note: "includes process start and the probes' up rounds; target ≤ 10 s",
      },
      {
        scenario: SCENARIO,
        metric: `${LINKS} links, ${RULES} rules: links gone down from start to all up`,
        system: "wanpilot (fast)",
        unit: "count",
        value: startDowns.length,
        note: causes(startDowns),
      },
      {
        scenario: SCENARIO,
        metric: `${LINKS} links, ${RULES} rules: false downs (flaps) in ${quietMs / 60_000} min with nothing cut`,
        system: "wanpilot (fast)",
        unit: "count",
        value: quietDowns.length,
        note: causes(quietDowns),
      },
      {
        scenario: SCENARIO,
        metric: `${LINKS} links, ${RULES} rules: first kernel install (first → last change of the burst)`,
        system: "wanpilot (fast)",
        unit: "ms",
        value: install === undefined ? null : install.last - install.first,
        note: install === undefined ? "no change seen" : `${install.count} ip monitor events`,
      },
      {
        scenario: SCENARIO,
        metric: `${LINKS} links, ${RULES} rules: one link down message → first kernel change`,
        system: "wanpilot (fast)",
        unit: "ms",
        summary: summarize(firstChange),
      },
      {
        scenario: SCENARIO,
        metric: `${LINKS} links, ${RULES} rules: one link down message → kernel settled`,
        system: "wanpilot (fast)",
        unit: "ms",
        summary: summarize(settled),
        note: `last change of the burst; ${events.join(", ")} ip monitor events per outage`,
      },
    );
    out.raw = {
      firstChangeMs: firstChange,
      settledMs: settled,
      eventsPerOutage: events,
      install,
      startDowns,
      quietDowns,
    };
    out.notes.push(
      "kernel changes seen by `ip -ts monitor route rule nexthop` in the gateway namespace; a burst ends at the first 200 ms (install: 500 ms) without a change",
      "the router's in-process numbers (no probes, no bus) are in docs/router.md",
    );
  } finally {
    await kernel.stop().catch(() => undefined);
    await running?.stop().catch(() => undefined);
    await lab.destroy();
  }
}

export const scale: Scenario = {
  name: SCENARIO,
  title: "Scale: 16 links and 200 rules: start, first install, one link's change",
  run,
};
