import { existsSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { createLab, type Lab } from "@wanpilot/lab";
import { LabDeployment } from "../labrun/deploy.js";
import type { Output } from "../output.js";
import type { StatusView } from "../status/view.js";
import {
  type DemoAction,
  type DemoStep,
  PROFILES,
  shareLine,
  stepState,
  storyFor,
  storyOutages,
  tickerLine,
} from "./story.js";
import { describeStreams, StreamPool, streamCheck } from "./streams.js";

export interface DemoOptions {
  fast?: boolean;
  keep?: boolean;
}

class DemoAborted extends Error {}

/** Streams per family and group: each group is one client process in the LAN namespace. */
const STREAMS = 6;

/** The LAN's long-lived streams of each family (IPv6's only when the lab has it). */
interface Streams {
  v4: StreamPool;
  v6: StreamPool | undefined;
}

/**
 * `wanpilot demo`: three simulated ISPs, wanpilot balancing over them, and a short outage story; with IPv6
 * in both families (when the kernel has IPv6), each failed over on its own.
 */
export async function runDemo(out: Output, opts: DemoOptions): Promise<number> {
  if (process.platform !== "linux" || process.getuid?.() !== 0) {
    out.err("wanpilot demo builds network namespaces: it needs Linux and root (try: sudo npx wanpilot demo)");
    return 1;
  }
  const profile = PROFILES[opts.fast ? "fast" : "full"];
  let aborted = false;
  const abort = () => {
    aborted = true;
  };
  process.once("SIGINT", abort);
  process.once("SIGTERM", abort);
  // Both families when the kernel has IPv6 (namespaces get it unless it is compiled out or disabled at boot).
  const ipv6 = existsSync("/proc/sys/net/ipv6");
  out.out(
    `Building a lab: 3 simulated ISPs (weights ${profile.weights.join(":")}), a LAN host and an internet, in network namespaces${ipv6 ? ", IPv4 and IPv6 on every link" : " (IPv4 only: this kernel has no IPv6)"}.`,
  );
  const lab = await createLab({ isps: 3, lanHosts: 4, gwMasquerade: false, name: "demo", ipv6 });
  let dep: LabDeployment | undefined;
  let streams: Streams | undefined;
  try {
    dep = LabDeployment.start(lab, {
      weights: profile.weights,
      probe: profile.probe,
      gateway: "demo",
      logLevel: "warn",
      ipv6,
    });
    const live = new LiveView(dep, () => aborted);
    // Up, and the probes sent before the router had installed the links' tables have left the window.
    await live.waitFor(
      (v) =>
        v.links.every(
          (l) =>
            l.state === "up" &&
            (l.lossRatio ?? 1) < 0.2 &&
            (!ipv6 || (l.ipv6?.state === "up" && (l.ipv6.lossRatio ?? 1) < 0.2)),
        ) && v.processes.router?.availability === "online",
      profile.stepTimeoutMs * 2,
      "every link up with a clean window",
    );
    out.out(`wanpilot is running in namespace ${lab.ns.gw} with ${dep.configPath}; every link is up.\n`);
    out.out(await dep.cli(["status"]));
    const server6 = lab.ipv6?.server;
    streams = {
      v4: await StreamPool.start(() => lab.startStreams({ count: STREAMS, durationMs: 10 * 60_000 })),
      v6:
        server6 === undefined
          ? undefined
          : await StreamPool.start(() =>
              lab.startStreams({ count: STREAMS, durationMs: 10 * 60_000, host: server6 }),
            ),
    };
    const names = lab.isps.map((i) => i.name);
    const flows = await lab.openFlows({ count: profile.flows });
    out.out(`${profile.flows} new LAN connections: ${shareLine(flows.byIsp, names, profile.weights)}`);
    if (server6 !== undefined) {
      const flows6 = await lab.openFlows({ count: profile.flows, host: server6 });
      out.out(
        `${profile.flows} new LAN IPv6 connections: ${shareLine(flows6.byIsp, names, profile.weights)}`,
      );
    }
    out.out(`${STREAMS} long-lived LAN streams: ${describeStreams(streams.v4.streams)}`);
    if (streams.v6 !== undefined)
      out.out(`${STREAMS} long-lived LAN IPv6 streams: ${describeStreams(streams.v6.streams)}`);
    out.out("");
    const storyStart = new Date();
    const story = storyFor(ipv6);
    for (const step of story) {
      await playStep(lab, live, streams, step, (line) => out.out(line), profile.stepTimeoutMs);
      await sleep(profile.dwellMs);
    }
    const since = storyStart.toISOString();
    // The logger stores each transition on its own time: the report waits until it holds the story's outages.
    const stored = await outagesStored(dep, since, storyOutages(story, names), profile.stepTimeoutMs);
    out.out("");
    out.out(await dep.cli(["status"]));
    out.out(
      await dep
        .cli(["report", "--since", since])
        .catch((err: unknown) => `(report unavailable: ${String(err)})`),
    );
    if (!stored)
      out.out(
        `(after ${profile.stepTimeoutMs / 1000} s the logger had not yet stored every outage of the story)`,
      );
    if (opts.keep) {
      out.out(
        `The lab keeps running. In another terminal:\n  sudo ip netns exec ${lab.ns.gw} npx wanpilot status --watch --config ${dep.configPath}\nCtrl-C here removes everything.`,
      );
      while (!aborted) await sleep(200);
    }
    live.stop();
    return 0;
  } catch (err: unknown) {
    if (err instanceof DemoAborted) {
      out.err("interrupted: removing the lab");
      return 130;
    }
    throw err;
  } finally {
    await streams?.v4.stop();
    await streams?.v6?.stop();
    await dep?.stop().catch(() => undefined);
    await lab.destroy();
    process.off("SIGINT", abort);
    process.off("SIGTERM", abort);
    out.out("The lab is gone: every namespace and process the demo made was removed.");
  }
}

/** One step of the story: act, wait for the state (of its family), say how long it took and what kept flowing. */
async function playStep(
  lab: Lab,
  live: LiveView,
  streams: Streams,
  step: DemoStep,
  say: (line: string) => void,
  timeoutMs: number,
): Promise<void> {
  say(`▶ ${step.say}`);
  const isp = lab.isps[step.expect.isp]?.name ?? "";
  const { family, state } = step.expect;
  const watched = step.checkStreams ? watches(streams, isp, family) : [];
  // Streams land on ISPs by hash: open more when none is left that the step can check (at most 5 groups).
  for (const w of watched) {
    const opened = await w.pool.topUp((s) => w.changedIsp === null || s.isp !== w.changedIsp, 5);
    if (opened.length > 0)
      say(
        `  ${opened.length * STREAMS} more LAN ${w.family}streams, none being open${w.changedIsp === null ? "" : ` on another ISP than ${w.changedIsp}`}: ${describeStreams(opened.flatMap((g) => g.streams))}`,
      );
  }
  const before = watched.map((w) => ({ ...w, at: w.pool.snapshot() }));
  const t0 = Date.now();
  await act(lab, step.action);
  const label = family === "ipv6" ? `${isp} IPv6` : isp;
  const view = await live.waitFor(
    (v) => stepState(v, isp, family) === state,
    timeoutMs,
    `${label} ${state}`,
    (v) => say(`    ${tickerLine(v)}`),
  );
  const link = view.links.find((l) => l.name === isp);
  const cause = family === "ipv6" ? link?.ipv6?.cause : link?.cause;
  say(
    `  ${label} is ${state.toUpperCase()} after ${((Date.now() - t0) / 1000).toFixed(1)} s (${cause ?? ""})`,
  );
  for (const w of before) say(`  ${await streamCheck(w.pool, w.at, w.changedIsp, w.which, timeoutMs)}`);
}

/** The streams a step checks: which must keep flowing, and how the line names them. */
interface Watch {
  pool: StreamPool;
  /** The ISP whose streams are not checked (null: every stream must keep flowing). */
  changedIsp: string | null;
  which: string;
  /** "IPv6 " or "" for the top-up line. */
  family: string;
}

function watches(streams: Streams, isp: string, family: "ipv6" | undefined): Watch[] {
  const v6: Watch[] =
    streams.v6 === undefined
      ? []
      : [{ pool: streams.v6, changedIsp: isp, which: "IPv6 streams on the other ISPs", family: "IPv6 " }];
  // An IPv6-only fault: every IPv4 stream, the faulty ISP's too, must not notice.
  if (family === "ipv6")
    return [
      ...v6,
      { pool: streams.v4, changedIsp: null, which: `IPv4 streams (${isp}'s too)`, family: "IPv4 " },
    ];
  return [{ pool: streams.v4, changedIsp: isp, which: "streams on the other ISPs", family: "" }, ...v6];
}

async function act(lab: Lab, a: DemoAction): Promise<void> {
  if (a.kind === "cut") await lab.cutUpstream(a.isp, a.family);
  else if (a.kind === "restore") await lab.restoreUpstream(a.isp);
  else if (a.kind === "loss") await lab.setLoss(a.isp, a.percent);
  else await lab.clearLoss(a.isp);
}

/** Whether the logger's report (from `since`) holds an ended outage of each of `histories`, within `timeoutMs`. */
async function outagesStored(
  dep: LabDeployment,
  since: string,
  histories: string[],
  timeoutMs: number,
): Promise<boolean> {
  type Json = { links: Array<{ name: string; outages: Array<{ end: string | null }> }> };
  const end = Date.now() + timeoutMs;
  for (;;) {
    const report = await dep
      .cli(["report", "--since", since, "--json"])
      .then((text) => JSON.parse(text) as Json)
      .catch(() => undefined);
    const ended = (h: string) =>
      report?.links.find((l) => l.name === h)?.outages.some((o) => o.end !== null) === true;
    if (histories.every(ended)) return true;
    if (Date.now() > end) return false;
    await sleep(500);
  }
}

/** The latest status view, from `wanpilot status --watch --json` running in the gateway's namespace. */
class LiveView {
  private latest: StatusView | undefined;
  private readonly proc;

  constructor(
    dep: LabDeployment,
    private readonly aborted: () => boolean,
  ) {
    this.proc = dep.spawnCli(["status", "--watch", "--json"], (line, stream) => {
      if (stream !== "stdout" || !line.startsWith("{")) return;
      try {
        this.latest = JSON.parse(line) as StatusView;
      } catch {
        // a partial line: the next one replaces it
      }
    });
  }

  async waitFor(
    ok: (v: StatusView) => boolean,
    timeoutMs: number,
    what: string,
    tick?: (v: StatusView) => void,
  ): Promise<StatusView> {
    const end = Date.now() + timeoutMs;
    let lastTick = "";
    for (;;) {
      if (this.aborted()) throw new DemoAborted();
      const v = this.latest;
      if (v !== undefined) {
        const line = tickerLine(v);
        if (tick && line !== lastTick) tick(v);
        lastTick = line;
        if (ok(v)) return v;
      }
      if (Date.now() > end)
        throw new Error(
          `the demo waited ${timeoutMs / 1000} s for ${what} in vain (last seen: ${v === undefined ? "no status" : `${tickerLine(v)}; ${JSON.stringify(v.processes)}`})`,
        );
      await sleep(50);
    }
  }

  stop(): void {
    void this.proc.stop(1000);
  }
}
