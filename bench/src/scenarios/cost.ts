import { createLab } from "@wanpilot/lab";
import { groupMemoryKiB } from "../group-memory.js";
import { sleep, waitFor } from "../poll.js";
import { allStats, descendants, type ProcStat, readPssKiB, readRssKiB, TICKS_PER_S } from "../proc.js";
import type { Scenario, ScenarioContext, ScenarioOutput } from "../scenario.js";
import { summarize } from "../stats.js";
import { Running } from "../wanpilot.js";

const SCENARIO = "cost";
const LINKS = 3;

/** CPU ticks a group of processes used between two snapshots (new processes count whole). */
export function groupTicks(
  pids: readonly number[],
  before: readonly ProcStat[],
  after: readonly ProcStat[],
): number {
  const b = new Map(before.map((s) => [s.pid, s.ticks]));
  const a = new Map(after.map((s) => [s.pid, s.ticks]));
  let sum = 0;
  for (const pid of pids) {
    const end = a.get(pid);
    if (end !== undefined) sum += end - (b.get(pid) ?? 0);
  }
  return sum;
}

/** name → pid of every wanpilot process (the supervisor publishes its children's pids). */
export function processPids(running: Running): Map<string, number> {
  const m = new Map<string, number>();
  const sup = running.dep.supervisor.pid;
  if (sup !== undefined) m.set("supervisor (+ broker)", sup);
  for (const p of running.tap.supervisor()?.processes ?? [])
    if (p.pid !== null && p.running) m.set(p.name, p.pid);
  return m;
}

/** Every part's pid once the supervisor says all are running (it starts them all at once). */
export async function waitForParts(running: Running, timeoutMs: number): Promise<Map<string, number>> {
  return await waitFor(
    "every process's pid",
    () => {
      const all = running.tap.supervisor()?.processes ?? [];
      const pids = processPids(running);
      return all.length > 0 && pids.size === all.length + 1 ? pids : undefined;
    },
    timeoutMs,
    100,
  );
}

/** The group a part's cost is counted over: a prober with its pings and `ip monitor`; the supervisor alone. */
function group(name: string, pid: number, stats: readonly ProcStat[]): number[] {
  return name.startsWith("supervisor") ? [pid] : descendants(pid, stats);
}

async function run(ctx: ScenarioContext, out: ScenarioOutput): Promise<void> {
  const seconds = ctx.quick ? 20 : 60;
  const windowS = ctx.quick ? 5 : 10;
  const lab = await createLab({ isps: LINKS, gwMasquerade: false, name: "cost" });
  let running: Running | undefined;
  try {
    running = new Running(lab, {});
    await running.waitHealthy(60_000);
    const pids = await waitForParts(running, 20_000);
    await sleep(3000); // past start-up
    ctx.progress(`cost: ${seconds} s of steady probing, ${LINKS} links × ${lab.targets.length} targets`);
    const sup = running.dep.supervisor.pid as number;
    const rssMaxKiB = new Map<string, number>();
    const pssMaxKiB = new Map<string, number>();
    const pssTotalsKiB: number[] = [];
    const ownKiB: number[] = [];
    const windowPct: number[] = [];
    const first = allStats();
    let before = first;
    const started = Date.now();
    let windowStarted = started;
    while (Date.now() - started < seconds * 1000) {
      await sleep(1000);
      const now = allStats();
      // Every process `start` runs: the supervisor, the parts, their ping and ip processes.
      let total = 0;
      const all = descendants(sup, now);
      for (const pid of all) total += readPssKiB(pid) ?? 0;
      pssTotalsKiB.push(total);
      const own = groupMemoryKiB(all);
      if (own !== undefined) ownKiB.push(own);
      for (const [name, pid] of pids) {
        rssMaxKiB.set(name, Math.max(rssMaxKiB.get(name) ?? 0, readRssKiB(pid) ?? 0));
        const pss = group(name, pid, now).reduce((s, p) => s + (readPssKiB(p) ?? 0), 0);
        pssMaxKiB.set(name, Math.max(pssMaxKiB.get(name) ?? 0, pss));
      }
      if (Date.now() - windowStarted >= windowS * 1000) {
        const ticks = groupTicks(descendants(sup, now), before, now);
        windowPct.push((100 * ticks) / TICKS_PER_S / ((Date.now() - windowStarted) / 1000));
        before = now;
        windowStarted = Date.now();
      }
    }
    const after = allStats();
    const elapsedS = (Date.now() - started) / 1000;
    const row = { scenario: SCENARIO };
    for (const [name, pid] of pids) {
      const cpuPct = (100 * groupTicks(group(name, pid, after), first, after)) / TICKS_PER_S / elapsedS;
      out.measurements.push(
        { ...row, metric: "CPU, % of one core", system: name, unit: "percent", value: cpuPct },
        {
          ...row,
          metric: "memory (max VmRSS)",
          system: name,
          unit: "MiB",
          value: (rssMaxKiB.get(name) ?? 0) / 1024,
        },
        {
          ...row,
          metric: "memory (max PSS)",
          system: name,
          unit: "MiB",
          value: (pssMaxKiB.get(name) ?? 0) / 1024,
        },
      );
    }
    const proberRss = [...rssMaxKiB].filter(([n]) => n.startsWith("prober/")).map(([, v]) => v / 1024);
    const totals = pssTotalsKiB.map((k) => k / 1024);
    const setup = `${LINKS} links × ${lab.targets.length} targets, default probe settings, ${pids.size} node processes`;
    out.measurements.push(
      {
        ...row,
        metric: `CPU, % of one core (${windowS} s windows)`,
        system: "all processes",
        unit: "percent",
        summary: summarize(windowPct),
        note: `${Math.round(elapsedS)} s, ${setup}`,
      },
      {
        ...row,
        metric: "CPU, % of one core (whole run)",
        system: "all processes",
        unit: "percent",
        value: (100 * groupTicks(descendants(sup, after), first, after)) / TICKS_PER_S / elapsedS,
      },
      {
        ...row,
        metric: "memory (PSS summed, 1 s samples)",
        system: "all processes",
        unit: "MiB",
        summary: summarize(totals),
        note: "every process `start` runs, pings and `ip monitor` included",
      },
      {
        ...row,
        metric: "memory (each page once, 1 s samples)",
        system: "all processes",
        unit: "MiB",
        summary: summarize(ownKiB.map((k) => k / 1024)),
        note: "the same processes' memory on a machine that runs nothing else: their PSS summed, without the share other processes (the bench's own node processes) take of the pages they map too",
      },
      {
        ...row,
        metric: "memory (max VmRSS), largest prober",
        system: "prober",
        unit: "MiB",
        value: proberRss.length === 0 ? null : Math.max(...proberRss),
      },
    );
    out.notes.push(
      "CPU from /proc/<pid>/stat (utime+stime+cutime+cstime: CPU time, not wall-clock, so other load on the machine does not count; a part includes its ping/ip/conntrack processes); memory: VmRSS of each node process and PSS (/proc/<pid>/smaps_rollup, shared pages divided among the processes sharing them) sampled every second",
    );
  } finally {
    await running?.stop().catch(() => undefined);
    await lab.destroy();
  }
}

export const cost: Scenario = {
  name: SCENARIO,
  title: `Cost: CPU and memory of every process \`wanpilot start\` runs, 60 s of steady probing, ${LINKS} links × 3 targets`,
  run,
};
