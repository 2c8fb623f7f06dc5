import { createLab, type Lab, type StreamGroup } from "@wanpilot/lab";
import { LabDeployment } from "../labrun/deploy.js";
import type { Output } from "../output.js";
import type { StatusView } from "../status/view.js";
import { type DemoAction, PROFILES, STORY, shareLine, tickerLine } from "./story.js";

export interface DemoOptions {
  fast?: boolean;
  keep?: boolean;
}

class DemoAborted extends Error {}

/** `wanpilot demo`: three simulated ISPs, wanpilot balancing over them, and a short outage story. */
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
  out.out(
    `Building a lab: 3 simulated ISPs (weights ${profile.weights.join(":")}), a LAN host and an internet, in network namespaces.`,
  );
  const lab = await createLab({ isps: 3, lanHosts: 4, gwMasquerade: false, name: "demo" });
  let dep: LabDeployment | undefined;
  let streams: StreamGroup | undefined;
  try {
    dep = LabDeployment.start(lab, {
      weights: profile.weights,
      probe: profile.probe,
      gateway: "demo",
      logLevel: "warn",
    });
    const live = new LiveView(dep, () => aborted);
    // Up, and the probes sent before the router had installed the links' tables have left the window.
    await live.waitFor(
      (v) =>
        v.links.every((l) => l.state === "up" && (l.lossRatio ?? 1) < 0.2) &&
        v.processes.router?.availability === "online",
      profile.stepTimeoutMs * 2,
      "every link up with a clean window",
    );
    out.out(`wanpilot is running in namespace ${lab.ns.gw} with ${dep.configPath}; every link is up.\n`);
    out.out(await dep.cli(["status"]));
    streams = await lab.startStreams({ count: 6, durationMs: 10 * 60_000 });
    const flows = await lab.openFlows({ count: profile.flows });
    out.out(
      `${profile.flows} new LAN connections: ${shareLine(
        flows.byIsp,
        lab.isps.map((i) => i.name),
        profile.weights,
      )}`,
    );
    out.out(`6 long-lived LAN streams: ${describeStreams(streams)}\n`);
    const storyStart = new Date();
    for (const step of STORY) {
      out.out(`▶ ${step.say}`);
      const before = streams.bytes();
      const t0 = Date.now();
      await act(lab, step.action);
      const isp = lab.isps[step.expect.isp]?.name ?? "";
      const view = await live.waitFor(
        (v) => v.links.find((l) => l.name === isp)?.state === step.expect.state,
        profile.stepTimeoutMs,
        `${isp} ${step.expect.state}`,
        (v) => out.out(`    ${tickerLine(v)}`),
      );
      out.out(
        `  ${isp} is ${step.expect.state.toUpperCase()} after ${((Date.now() - t0) / 1000).toFixed(1)} s (${view.links.find((l) => l.name === isp)?.cause ?? ""})`,
      );
      if (step.checkStreams) out.out(`  ${streamCheck(streams, before, isp)}`);
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
    await streams?.stop().catch(() => undefined);
    await dep?.stop().catch(() => undefined);
    await lab.destroy();
    process.off("SIGINT", abort);
    process.off("SIGTERM", abort);
    out.out("The lab is gone: every namespace and process the demo made was removed.");
  }
}

async function act(lab: Lab, a: DemoAction): Promise<void> {
  if (a.kind === "cut") await lab.cutUpstream(a.isp);
  else if (a.kind === "restore") await lab.restoreUpstream(a.isp);
  else if (a.kind === "loss") await lab.setLoss(a.isp, a.percent);
  else await lab.clearLoss(a.isp);
}

function describeStreams(g: StreamGroup): string {
  const by = new Map<string, number>();
  for (const s of g.streams) by.set(s.isp ?? "?", (by.get(s.isp ?? "?") ?? 0) + 1);
  return [...by].map(([isp, n]) => `${n} via ${isp}`).join(", ");
}

/** After a step: did every stream on another ISP keep flowing? */
function streamCheck(g: StreamGroup, before: number[], changedIsp: string): string {
  const others = g.streams.filter((s) => s.isp !== changedIsp);
  const flowing = others.filter((s) => !s.closed() && s.bytes() > (before[s.index] ?? 0));
  return `${flowing.length} of ${others.length} streams on the other ISPs kept flowing (bytes still counted), none interrupted`.replace(
    ", none interrupted",
    flowing.length === others.length ? ", none interrupted" : "",
  );
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
