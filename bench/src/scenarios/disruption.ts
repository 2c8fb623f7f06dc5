import { createLab, type Stream, type StreamGroup } from "@wanpilot/lab";
import { sleep, waitFor } from "../poll.js";
import type { Scenario, ScenarioContext, ScenarioOutput } from "../scenario.js";
import { summarize } from "../stats.js";
import { PROFILES, Running, withoutDamping } from "../wanpilot.js";

const SCENARIO = "disruption";
const DEAD = "isp1";

/** Streams of healthy links that closed or stopped flowing. */
function brokenHealthy(streams: readonly Stream[]): number {
  return streams.filter((s) => s.isp !== DEAD && (s.closed() || !s.alive())).length;
}

/** Watches the dead link's streams and notes when each one's client learned it was cut (an error, so it can reconnect). */
function watchClosures(group: StreamGroup, from: number, boundMs: number): Promise<number[]> {
  const dead = group.streams.filter((s) => s.isp === DEAD);
  const closedAt = new Map<number, number>();
  return (async () => {
    while (Date.now() - from < boundMs && closedAt.size < dead.length) {
      for (const s of dead)
        if (!closedAt.has(s.index) && s.closed()) closedAt.set(s.index, Date.now() - from);
      await sleep(20);
    }
    return [...closedAt.values()];
  })();
}

async function run(ctx: ScenarioContext, out: ScenarioOutput): Promise<void> {
  const rounds = ctx.quick ? 1 : 3;
  const lab = await createLab({ isps: 3, gwMasquerade: false, name: "disrupt" });
  let running: Running | undefined;
  const broken = { failover: 0, recovery: 0, healthy: 0 };
  const toError: number[] = [];
  let deadStreams = 0;
  try {
    running = new Running(lab, { probe: withoutDamping(PROFILES.default) });
    const r = running;
    for (let round = 1; round <= rounds; round++) {
      await r.waitHealthy(60_000);
      ctx.progress(`disruption round ${round}/${rounds}: 30 streams over 3 links, isp1 cut and restored`);
      const group = await lab.startStreams({ count: 30, durationMs: 120_000, stallMs: 1500 });
      try {
        await waitFor(
          "every stream flowing",
          () => (group.streams.every((s) => s.alive()) ? true : undefined),
          10_000,
          50,
        );
        broken.healthy += group.streams.filter((s) => s.isp !== DEAD).length;
        deadStreams += group.streams.filter((s) => s.isp === DEAD).length;
        const cutAt = Date.now();
        const closures = watchClosures(group, cutAt, 15_000);
        await lab.cutUpstream(DEAD);
        const down = await waitFor("isp1 down", () => r.tap.transition(DEAD, "down", cutAt), 20_000);
        await waitFor("the kernel change", () => r.tap.routeChange(down - 1), 10_000);
        await sleep(3000); // longer than the stall window: a broken stream shows
        broken.failover += brokenHealthy(group.streams);
        toError.push(...(await closures));
        const restoreAt = Date.now();
        await lab.restoreUpstream(DEAD);
        await waitFor("isp1 up", () => r.tap.transition(DEAD, "up", restoreAt), 60_000);
        await r.waitHealthy(20_000);
        await sleep(3000);
        broken.recovery += brokenHealthy(group.streams);
      } finally {
        await group.stop();
      }
    }
    out.measurements.push(
      {
        scenario: SCENARIO,
        metric: "healthy links' streams broken by a failover",
        system: "wanpilot",
        unit: "count",
        value: broken.failover,
        note: `of ${broken.healthy} streams on healthy links (${rounds} rounds); expected 0`,
      },
      {
        scenario: SCENARIO,
        metric: "healthy links' streams broken by a recovery",
        system: "wanpilot",
        unit: "count",
        value: broken.recovery,
        note: "expected 0",
      },
      {
        scenario: SCENARIO,
        metric: "outage → the dead link's stream gets an error (its client may reconnect)",
        system: "wanpilot",
        unit: "ms",
        summary: summarize(toError),
        note: `${toError.length} of ${deadStreams} streams errored within 15 s`,
      },
    );
    out.notes.push(
      "streams: long-lived TCP connections from the LAN host sending 64 bytes every 50 ms; broken = closed, or no echoed bytes for 1.5 s",
      "a new connection from a client of the dead link works again as soon as the failover's 'last failed new connection' row says",
    );
  } finally {
    await running?.stop().catch(() => undefined);
    await lab.destroy();
  }
}

export const disruption: Scenario = {
  name: SCENARIO,
  title:
    "Disruption: healthy links' streams broken by a failover and a recovery; the dead link's clients told",
  run,
};
