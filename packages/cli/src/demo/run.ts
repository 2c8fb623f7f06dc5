import { existsSync } from "node:fs";
import { createLab, type Lab, type StreamGroup } from "@wanpilot/lab";
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
  tickerLine,
} from "./story.js";

export interface DemoOptions {
  fast?: boolean;
  keep?: boolean;
}

class DemoAborted extends Error {}

/** The LAN's long-lived streams of each family (IPv6's only when the lab has it). */
interface Streams {
  v4: StreamGroup;
  v6: StreamGroup | undefined;
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
      v4: await lab.startStreams({ count: 6, durationMs: 10 * 60_000 }),
      v6:
        server6 === undefined
          ? undefined
          : await lab.startStreams({ count: 6, durationMs: 10 * 60_000, host: server6 }),
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
    out.out(`6 long-lived LAN streams: ${describeStreams(streams.v4)}`);
    if (streams.v6 !== undefined) out.out(`6 long-lived LAN IPv6 streams: ${describeStreams(streams.v6)}`);
    out.out("");
    const storyStart = new Date();
    for (const step of storyFor(ipv6)) {
      await playStep(lab, live, streams, step, (line) => out.out(line), profile.stepTimeoutMs);
      await sleep(profile.dwellMs);
    }
    out.out("");
    out.out(await dep.cli(["status"]));
    out.out(
      await dep
        .cli(["report", "--since", storyStart.toISOString()])
        .catch((err: unknown) => `(report unavailable: ${String(err)})`),
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
    await streams?.v4.stop().catch(() => undefined);
    await streams?.v6?.stop().catch(() => undefined);
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
  const before = {
    v4: snapshot(streams.v4),
    v6: streams.v6 === undefined ? undefined : snapshot(streams.v6),
  };
  const t0 = Date.now();
  await act(lab, step.action);
  const isp = lab.isps[step.expect.isp]?.name ?? "";
  const { family, state } = step.expect;
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
  if (!step.checkStreams) return;
  const v6 =
    streams.v6 === undefined || before.v6 === undefined ? undefined : { g: streams.v6, at: before.v6 };
  if (family === "ipv6" && v6 !== undefined) {
    say(`  ${streamCheck(v6.g, v6.at, isp, "IPv6 streams on the other ISPs")}`);
    // An IPv6-only fault: every IPv4 stream, the faulty ISP's too, must not notice.
    say(`  ${streamCheck(streams.v4, before.v4, null, `IPv4 streams (${isp}'s too)`)}`);
  } else {
    say(`  ${streamCheck(streams.v4, before.v4, isp, "streams on the other ISPs")}`);
    if (v6 !== undefined) say(`  ${streamCheck(v6.g, v6.at, isp, "IPv6 streams on the other ISPs")}`);
  }
}

/** Each stream's bytes before a step, and which were still open then (an earlier step may have closed some). */
interface StreamSnapshot {
  bytes: number[];
  open: Set<number>;
}

function snapshot(g: StreamGroup): StreamSnapshot {
  return { bytes: g.bytes(), open: new Set(g.streams.filter((s) => !s.closed()).map((s) => s.index)) };
}

async function act(lab: Lab, a: DemoAction): Promise<void> {
  if (a.kind === "cut") await lab.cutUpstream(a.isp, a.family);
  else if (a.kind === "restore") await lab.restoreUpstream(a.isp);
  else if (a.kind === "loss") await lab.setLoss(a.isp, a.percent);
  else await lab.clearLoss(a.isp);
}

function describeStreams(g: StreamGroup): string {
  const by = new Map<string, number>();
  for (const s of g.streams) by.set(s.isp ?? "?", (by.get(s.isp ?? "?") ?? 0) + 1);
  return [...by].map(([isp, n]) => `${n} via ${isp}`).join(", ");
}

/** After a step: did every stream open before it (on another ISP than `changedIsp`, when given) keep flowing? */
function streamCheck(
  g: StreamGroup,
  before: StreamSnapshot,
  changedIsp: string | null,
  which: string,
): string {
  const others = g.streams.filter(
    (s) => before.open.has(s.index) && (changedIsp === null || s.isp !== changedIsp),
  );
  const flowing = others.filter((s) => !s.closed() && s.bytes() > (before.bytes[s.index] ?? 0));
  const none = flowing.length === others.length ? ", none interrupted" : "";
  return `${flowing.length} of ${others.length} ${which} kept flowing (bytes still counted)${none}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
