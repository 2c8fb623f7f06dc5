import { createLab } from "@wanpilot/lab";
import { execa } from "execa";
import { sleep, waitFor } from "../poll.js";
import { allStats, descendants, type ProcStat, readRssKiB } from "../proc.js";
import type { Scenario, ScenarioContext, ScenarioOutput } from "../scenario.js";
import { Running } from "../wanpilot.js";

const SCENARIO = "cost";

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

async function clockTicks(): Promise<number> {
  const r = await execa("getconf", ["CLK_TCK"], { timeout: 5000, reject: false });
  const n = Number(r.stdout.trim());
  return Number.isFinite(n) && n > 0 ? n : 100;
}

/** name → pid of every wanpilot process (the supervisor publishes its children's pids). */
function processPids(running: Running): Map<string, number> {
  const m = new Map<string, number>();
  const sup = running.dep.supervisor.pid;
  if (sup !== undefined) m.set("supervisor (+ broker)", sup);
  for (const p of running.tap.supervisor()?.processes ?? [])
    if (p.pid !== null && p.running) m.set(p.name, p.pid);
  return m;
}

async function run(ctx: ScenarioContext, out: ScenarioOutput): Promise<void> {
  const seconds = ctx.quick ? 15 : 60;
  const hz = await clockTicks();
  const lab = await createLab({ isps: 4, gwMasquerade: false, name: "cost" });
  let running: Running | undefined;
  try {
    running = new Running(lab, {});
    await running.waitHealthy(60_000);
    const r = running;
    await waitFor("every process's pid", () => (processPids(r).size >= 7 ? true : undefined), 20_000, 100);
    await sleep(3000); // past start-up
    ctx.progress(`cost: ${seconds} s of steady probing, 4 links × ${lab.targets.length} targets`);
    const pids = processPids(r);
    const before = allStats();
    const rssMaxKiB = new Map<string, number>();
    const started = Date.now();
    while (Date.now() - started < seconds * 1000) {
      for (const [name, pid] of pids)
        rssMaxKiB.set(name, Math.max(rssMaxKiB.get(name) ?? 0, readRssKiB(pid) ?? 0));
      await sleep(1000);
    }
    const after = allStats();
    const elapsedS = (Date.now() - started) / 1000;
    let total = 0;
    for (const [name, pid] of pids) {
      // a prober's ping children are its cost; the supervisor's children are listed on their own
      const group = name.startsWith("supervisor") ? [pid] : descendants(pid, after);
      const cpuPct = (100 * groupTicks(group, before, after)) / hz / elapsedS;
      total += cpuPct;
      out.measurements.push(
        { scenario: SCENARIO, metric: "CPU, % of one core", system: name, unit: "percent", value: cpuPct },
        {
          scenario: SCENARIO,
          metric: "memory (max VmRSS)",
          system: name,
          unit: "MiB",
          value: (rssMaxKiB.get(name) ?? 0) / 1024,
        },
      );
    }
    out.measurements.push({
      scenario: SCENARIO,
      metric: "CPU, % of one core",
      system: "all processes",
      unit: "percent",
      value: total,
      note: `${Math.round(elapsedS)} s, 4 links × ${lab.targets.length} targets, default probe settings`,
    });
    out.notes.push(
      "CPU from /proc/<pid>/stat (utime+stime+cutime+cstime; a prober includes its ping processes), memory is the node process's VmRSS sampled every second",
    );
  } finally {
    await running?.stop().catch(() => undefined);
    await lab.destroy();
  }
}

export const cost: Scenario = {
  name: SCENARIO,
  title: "Cost: CPU and memory of each process over 60 s of steady probing, 4 links × 3 targets",
  run,
};
