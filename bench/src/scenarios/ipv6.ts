import { createLab, type Lab, type Stream } from "@wanpilot/lab";
import { KernelWatch } from "../observe/kernel.js";
import { sleep, waitFor } from "../poll.js";
import type { Scenario, ScenarioContext, ScenarioOutput } from "../scenario.js";
import { maxDeviationPoints, shares, summarize } from "../stats.js";
import { PROFILES, Running, withoutDamping } from "../wanpilot.js";

const SCENARIO = "ipv6";
const DEAD = "isp1";

function server6(lab: Lab): string {
  const server = lab.ipv6?.server;
  if (server === undefined) throw new Error("lab without IPv6");
  return server;
}

async function healthy(r: Running, timeoutMs: number): Promise<void> {
  await r.waitHealthy(timeoutMs);
  await waitFor(
    "every link's IPv6 up and active",
    () => (r.tap.healthy(r.links, "ipv6") ? true : undefined),
    timeoutMs,
    20,
  );
}

const broken = (streams: readonly Stream[]) => streams.filter((s) => s.closed() || !s.alive()).length;

/**
 * The IPv4 failover and disruption rows' twins for IPv6: an IPv6-only upstream cut behind a live modem
 * (IPv4 keeps working on that link), at default probe settings.
 */
async function failover(ctx: ScenarioContext, out: ScenarioOutput, trials: number): Promise<void> {
  const lab = await createLab({ isps: 2, gwMasquerade: false, name: "bench6fo", ipv6: true });
  const kernel = new KernelWatch(lab);
  let running: Running | undefined;
  const times = { cutToDown: [] as number[], messageToKernel: [] as number[], restoreToUp: [] as number[] };
  let healthyStreams = 0;
  let brokenStreams = 0;
  let ipv4Moved = 0;
  try {
    running = new Running(lab, { probe: withoutDamping(PROFILES.default), ipv6: true });
    const r = running;
    for (let trial = 1; trial <= trials; trial++) {
      await healthy(r, 60_000);
      ctx.progress(`ipv6 failover trial ${trial}/${trials}`);
      const group = await lab.startStreams({
        count: 12,
        durationMs: 120_000,
        stallMs: 1500,
        host: server6(lab),
      });
      try {
        const others = group.streams.filter((s) => s.isp !== DEAD);
        healthyStreams += others.length;
        const cutAt = Date.now();
        await lab.cutUpstream(DEAD, "ipv6");
        const down = await waitFor(
          "isp1 IPv6 down",
          () => r.tap.transition(DEAD, "down", cutAt, "ipv6"),
          20_000,
        );
        const message = await waitFor(
          "its message",
          () => r.tap.transitionMessage(DEAD, "down", cutAt, "ipv6"),
          5000,
        );
        const changed = await waitFor("the kernel change", () => kernel.firstAfter(message - 5), 10_000);
        times.cutToDown.push(down - cutAt);
        times.messageToKernel.push(Math.max(0, changed - message));
        await sleep(3000); // longer than the stall window: a broken stream shows
        brokenStreams += broken(others);
        if (r.tap.links().get(DEAD)?.state !== "up") ipv4Moved++;
        const restoreAt = Date.now();
        await lab.restoreUpstream(DEAD);
        const up = await waitFor(
          "isp1 IPv6 up",
          () => r.tap.transition(DEAD, "up", restoreAt, "ipv6"),
          60_000,
        );
        times.restoreToUp.push(up - restoreAt);
      } finally {
        await group.stop();
      }
    }
    const row = (metric: string, samples: number[], note?: string) =>
      out.measurements.push({
        scenario: SCENARIO,
        metric,
        system: "wanpilot (default)",
        unit: "ms",
        summary: summarize(samples),
        ...(note === undefined ? {} : { note }),
      });
    row(
      "IPv6: outage → link's IPv6 down published",
      times.cutToDown,
      "IPv6-only upstream cut; IPv4 stays up",
    );
    row(
      "IPv6: link-state message → kernel changed",
      times.messageToKernel,
      "message: bus tap; kernel: ip monitor",
    );
    row("IPv6: restore → link's IPv6 up published", times.restoreToUp);
    out.measurements.push(
      {
        scenario: SCENARIO,
        metric: "IPv6: healthy link's IPv6 streams broken by a failover",
        system: "wanpilot",
        unit: "count",
        value: brokenStreams,
        note: `of ${healthyStreams} streams (${trials} trials); expected 0`,
      },
      {
        scenario: SCENARIO,
        metric: "IPv6-only fault: trials where the link's IPv4 left up",
        system: "wanpilot",
        unit: "count",
        value: ipv4Moved,
        note: "expected 0: each family fails over on its own",
      },
    );
    out.raw = { ...(out.raw as object), failover: times };
  } finally {
    await kernel.stop().catch(() => undefined);
    await running?.stop().catch(() => undefined);
    await lab.destroy();
  }
}

async function balance(ctx: ScenarioContext, out: ScenarioOutput, count: number): Promise<void> {
  const weights = [1, 2, 3];
  ctx.progress(`ipv6 balance 1:2:3: ${count} IPv6 flows`);
  const lab = await createLab({ isps: 3, gwMasquerade: false, name: "bench6bal", ipv6: true });
  let running: Running | undefined;
  try {
    running = new Running(lab, { weights, ipv6: true });
    await healthy(running, 60_000);
    const flows = await lab.openFlows({ count, concurrency: 64, timeoutMs: 3000, host: server6(lab) });
    const w = Object.fromEntries(lab.isps.map((isp, i) => [isp.name, weights[i] ?? 1]));
    out.measurements.push({
      scenario: SCENARIO,
      metric: `IPv6: weights 1:2:3, ${count} L4 flows: largest deviation`,
      system: "wanpilot",
      unit: "points",
      value: maxDeviationPoints(flows.byIsp, w),
      note: `${shares(flows.byIsp, w)
        .map((s) => `${s.count}`)
        .join(" / ")} flows${flows.failed > 0 ? `, ${flows.failed} failed` : ""}`,
    });
    out.raw = { ...(out.raw as object), balance: { byIsp: flows.byIsp, failed: flows.failed } };
  } finally {
    await running?.stop().catch(() => undefined);
    await lab.destroy();
  }
}

async function run(ctx: ScenarioContext, out: ScenarioOutput): Promise<void> {
  await failover(ctx, out, ctx.quick ? 3 : 10);
  await balance(ctx, out, ctx.quick ? 1000 : 3000);
  out.notes.push(
    "IPv6 through nat66 on each WAN; each WAN's IPv6 gateway is the modem's link-local address",
    "targets: detect ≤ 2 s at defaults, state → kernel median < 20 ms, 0 healthy streams broken, balance within 2 points",
  );
}

export const ipv6: Scenario = {
  name: SCENARIO,
  title:
    "IPv6: IPv6-only outage detected and failed over (IPv4 untouched), healthy IPv6 streams kept, 1:2:3 over 3000 flows",
  run,
};
