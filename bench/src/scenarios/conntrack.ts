import { createLab } from "@wanpilot/lab";
import { sleep, waitFor } from "../poll.js";
import { allStats, descendants, TICKS_PER_S } from "../proc.js";
import type { Scenario, ScenarioContext, ScenarioOutput } from "../scenario.js";
import { summarize } from "../stats.js";
import { Running } from "../wanpilot.js";
import { groupTicks, waitForParts } from "./cost.js";

const SCENARIO = "conntrack";
const CONNECTIONS = 100_000;

/** The connections the router's published state counts on all links (null before its first count). */
function counted(running: Running): number | null {
  const links = running.tap.router()?.links ?? [];
  if (links.length === 0 || links.some((l) => l.connections === null)) return null;
  return links.reduce((s, l) => s + (l.connections ?? 0), 0);
}

async function run(ctx: ScenarioContext, out: ScenarioOutput): Promise<void> {
  const seconds = ctx.quick ? 120 : 300;
  const windowS = 10;
  const lab = await createLab({ isps: 2, gwMasquerade: false, name: "ct" });
  let running: Running | undefined;
  try {
    running = new Running(lab, {});
    await running.waitHealthy(60_000);
    const pids = await waitForParts(running, 20_000);
    const router = pids.get("router");
    if (router === undefined) throw new Error("no router pid in the supervisor's state");
    // Unanswered UDP entries last 30 s by default: long enough to measure, in the lab's gateway only.
    await lab.exec(lab.ns.gw, ["sysctl", "-q", "-w", "net.netfilter.nf_conntrack_udp_timeout=900"]);
    ctx.progress(`conntrack: opening ${CONNECTIONS} UDP flows from the LAN`);
    const sent = await lab.udpFlows(CONNECTIONS);
    const tracked = Number((await lab.exec(lab.ns.gw, ["conntrack", "-C"])).trim());
    const r = running;
    // The router's first count with the table full (it counts at most every 5 s).
    await waitFor(
      "the router's count of the flows",
      () => ((counted(r) ?? 0) >= sent * 0.95 ? true : undefined),
      120_000,
      200,
    );
    ctx.progress(`conntrack: ${tracked} tracked; router CPU over ${seconds} s`);
    const first = allStats();
    let before = first;
    const windowPct: number[] = [];
    const started = Date.now();
    let windowStarted = started;
    while (Date.now() - started < seconds * 1000) {
      await sleep(windowS * 1000);
      const now = allStats();
      // The router with its conntrack, ip and nft processes (their CPU reaches it as cutime/cstime).
      const ticks = groupTicks(descendants(router, now), before, now);
      windowPct.push((100 * ticks) / TICKS_PER_S / ((Date.now() - windowStarted) / 1000));
      before = now;
      windowStarted = Date.now();
    }
    const after = allStats();
    const elapsedS = (Date.now() - started) / 1000;
    const stillTracked = Number((await lab.exec(lab.ns.gw, ["conntrack", "-C"])).trim());
    const setup = `${tracked} tracked (${stillTracked} at the end), 2 links, default settings, ${Math.round(elapsedS)} s`;
    out.measurements.push(
      {
        scenario: SCENARIO,
        metric: `router CPU with ${CONNECTIONS} tracked connections, % of one core (${windowS} s windows)`,
        system: "router",
        unit: "percent",
        summary: summarize(windowPct),
        note: setup,
      },
      {
        scenario: SCENARIO,
        metric: `router CPU with ${CONNECTIONS} tracked connections, % of one core (whole run)`,
        system: "router",
        unit: "percent",
        value: (100 * groupTicks(descendants(router, after), first, after)) / TICKS_PER_S / elapsedS,
      },
      {
        scenario: SCENARIO,
        metric: "connections the router counted on its links",
        system: "router",
        unit: "count",
        value: counted(running),
        note: `${sent} flows opened`,
      },
    );
    out.notes.push(
      "real UDP flows from the LAN host through wanpilot's marks (UDP timeout raised to 900 s in the lab gateway only); CPU is /proc/<pid>/stat time of the router and its children, so other load on the machine does not count",
    );
  } finally {
    await running?.stop().catch(() => undefined);
    await lab.destroy();
  }
}

export const conntrack: Scenario = {
  name: SCENARIO,
  title: `Connection counting at scale: router CPU with ${CONNECTIONS} tracked connections (5 min, 2 min with --quick)`,
  run,
};
