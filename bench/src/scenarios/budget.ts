import { createLab, type Lab, WanCounters } from "@wanpilot/lab";
import { LabDeployment } from "wanpilot/labrun";
import { BusTap } from "../observe/bus.js";
import { ConnectLoop } from "../observe/connect.js";
import { sleep, waitFor } from "../poll.js";
import type { Scenario, ScenarioContext, ScenarioOutput } from "../scenario.js";
import { summarize } from "../stats.js";
import { GATEWAY } from "../wanpilot.js";
import { type CounterSample, firstThrough, monthlyMegabytes } from "./budget-core.js";

const SCENARIO = "budget";
/** The shipped default (probe.standby_interval). */
const STANDBY_MS = 30_000;

/** "probe rate changed" log lines of the backup link's prober (epoch ms). */
class RateLog {
  readonly changes: { t: number; to: string }[] = [];
  readonly tail: string[] = [];
  /** isp2's prober's state changes, rate changes and restarts, as logged. */
  readonly isp2: string[] = [];

  line(line: string): void {
    this.tail.push(line);
    if (this.tail.length > 30) this.tail.shift();
    if (line.includes('"isp2"') && /link state changed|exited|probe rate changed/.test(line))
      this.isp2.push(line);
    if (!line.includes("probe rate changed")) return;
    try {
      const l = JSON.parse(line) as { link?: string; to?: string };
      if (l.link === "isp2" && l.to !== undefined) this.changes.push({ t: Date.now(), to: l.to });
    } catch {
      // not a log line
    }
  }

  after(to: "full" | "standby", t: number): number | undefined {
    return this.changes.find((c) => c.to === to && c.t >= t)?.t;
  }
}

/** The backup's bytes (both ways, everything on wan2) read every second for `ms`. */
async function sampleBytes(counters: WanCounters, ms: number): Promise<CounterSample[]> {
  const samples: CounterSample[] = [];
  const end = Date.now() + ms;
  while (Date.now() <= end) {
    const c = await counters.read();
    samples.push({ t: Date.now(), bytes: c.wan2?.bytes ?? 0 });
    await sleep(1000);
  }
  return samples;
}

interface Trial {
  toTrafficMs: number | null;
  toFullRateMs: number | null;
}

/** isp2 on standby → cut isp1's upstream → first LAN connection through isp2; then restore. */
async function trial(lab: Lab, tap: BusTap, rates: RateLog): Promise<Trial> {
  const loop = new ConnectLoop(lab, { intervalMs: 50, timeoutMs: 1000, durationMs: 20_000 });
  try {
    await sleep(500);
    const before = Date.now();
    await lab.cutUpstream(0);
    const cutAt = (before + Date.now()) / 2;
    await waitFor(
      "a connection through isp2",
      () => firstThrough(loop.attempts, cutAt, "isp2") ?? undefined,
      15_000,
      50,
    ).catch(() => null);
    return {
      toTrafficMs: firstThrough(loop.attempts, cutAt, "isp2"),
      toFullRateMs: ((t) => (t === undefined ? null : t - cutAt))(rates.after("full", before)),
    };
  } finally {
    await loop.stop();
    const restoreAt = Date.now();
    await lab.restoreUpstream(0);
    await waitFor("isp1 up again", () => tap.transition("isp1", "up", restoreAt), 60_000, 100).catch(
      () => undefined,
    );
  }
}

async function run(ctx: ScenarioContext, out: ScenarioOutput): Promise<void> {
  const sampleMs = ctx.quick ? 150_000 : 600_000;
  const trials = ctx.quick ? 3 : 10;
  const lab = await createLab({ isps: 2, name: "budget" });
  const rates = new RateLog();
  let dep: LabDeployment | undefined;
  let tap: BusTap | undefined;
  try {
    const counters = await WanCounters.install(lab);
    dep = LabDeployment.start(lab, {
      gateway: GATEWAY,
      tiers: [1, 2],
      logLevel: "info",
      onLine: (l) => rates.line(l),
    });
    tap = new BusTap(lab, `mqtt://${dep.config.bus.listen}`, GATEWAY);
    const t = tap;
    // The last rate change of isp2's prober says standby (the hold after start or after isp1's return is over).
    const standby = (what: string) =>
      waitFor(
        what,
        () => (rates.changes.at(-1)?.to === "standby" ? true : undefined),
        5 * STANDBY_MS,
        200,
      ).catch((err: unknown) => {
        throw new Error(`${String(err)}; wanpilot said:\n${rates.tail.slice(-10).join("\n")}`);
      });
    await standby("isp2 on standby after start");
    ctx.progress(`budget: isp2 on standby; counting its bytes for ${sampleMs / 1000} s`);
    const samples = await sampleBytes(counters, sampleMs);
    const monthly = monthlyMegabytes(samples, 4 * STANDBY_MS);
    const times: Trial[] = [];
    // LinkState is republished (with every heartbeat, or on reconnect): a down is one `since`. A down before
    // the first up is the start (probes before the router's rules: issue 14's start gate), counted apart.
    const downs = () => {
      const seen = new Map<string, string>();
      let wasUp = false;
      for (const e of t.events) {
        if (e.kind !== "linkState" || e.link !== "isp2") continue;
        if (e.state.state === "up") wasUp = true;
        if (e.state.state === "down") seen.set(e.state.since, `${wasUp ? "" : "at start: "}${e.state.cause}`);
      }
      return [...seen].map(([since, cause]) => `${since} ${cause}`);
    };
    for (let i = 1; i <= trials; i++) {
      await standby(`isp2 on standby before trial ${i}`);
      const r = await trial(lab, t, rates);
      times.push(r);
      ctx.progress(
        `  trial ${i}/${trials}: traffic through isp2 after ${r.toTrafficMs ?? "—"} ms, full rate after ${r.toFullRateMs ?? "—"} ms`,
      );
    }
    const toTraffic = times.map((x) => x.toTrafficMs).filter((v): v is number => v !== null);
    const toFull = times.map((x) => x.toFullRateMs).filter((v): v is number => v !== null);
    out.measurements.push(
      {
        scenario: SCENARIO,
        metric: "idle tier-2 link's traffic per 30-day month (probes; nft counters on its WAN)",
        system: "wanpilot (default)",
        unit: "MB/month",
        summary: summarize(monthly),
        note: `${Math.round(sampleMs / 1000)} s of 1-s counter reads, 2-min windows; target ≤ 50 MB`,
      },
      {
        scenario: SCENARIO,
        metric: "tier-1 upstream cut → first LAN connection through the standby tier-2 link",
        system: "wanpilot (default)",
        unit: "ms",
        summary: summarize(toTraffic),
        note: `${toTraffic.length} of ${times.length} trials carried traffic within 15 s; target ≤ 3 s`,
      },
      {
        scenario: SCENARIO,
        metric: "tier-1 upstream cut → tier-2 prober at full rate",
        system: "wanpilot (default)",
        unit: "ms",
        summary: summarize(toFull),
      },
      {
        scenario: SCENARIO,
        metric: "tier-2 link declared down (false downs: standby, switches, trials)",
        system: "wanpilot (default)",
        unit: "count",
        value: downs().filter((d) => !d.includes("at start: ")).length,
        note: ["after its first up; expected 0", ...downs()].join("; "),
      },
    );
    out.notes.push(
      "isp1 on tier 1, isp2 on tier 2, default probes (300 ms, standby every 30 s); the figure counts every IP byte on isp2's WAN both ways while idle",
      "each trial waits until isp2 is back on standby (60 s hold after isp1 recovers), then a LAN client connects every 50 ms while isp1's upstream is cut",
    );
    out.raw = { samples, times, isp2: rates.isp2 };
  } finally {
    await tap?.stop().catch(() => undefined);
    await dep?.stop().catch(() => undefined);
    await lab.destroy();
  }
}

export const budget: Scenario = {
  name: SCENARIO,
  title: "Probe budget: an idle tier-2 link's bytes per month, and cut of tier 1 → traffic through it",
  run,
};
