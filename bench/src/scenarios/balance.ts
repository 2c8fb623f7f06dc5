import { createLab, type Lab } from "@wanpilot/lab";
import type { Scenario, ScenarioContext, ScenarioOutput } from "../scenario.js";
import { maxDeviationPoints, shares } from "../stats.js";
import { Running } from "../wanpilot.js";

const SCENARIO = "balance";

function weightsByName(lab: Lab, weights: readonly number[]): Record<string, number> {
  return Object.fromEntries(lab.isps.map((isp, i) => [isp.name, weights[i] ?? 1]));
}

/** `count` L4 flows over links weighted `weights`: the largest deviation from each link's ideal share. */
async function byWeight(
  ctx: ScenarioContext,
  out: ScenarioOutput,
  weights: number[],
  count: number,
): Promise<void> {
  const label = weights.join(":");
  ctx.progress(`balance ${label}: ${count} flows`);
  const lab = await createLab({ isps: weights.length, gwMasquerade: false, name: `bal${weights.length}` });
  let running: Running | undefined;
  try {
    running = new Running(lab, { weights });
    await running.waitHealthy(60_000);
    const flows = await lab.openFlows({ count, concurrency: 64, timeoutMs: 3000 });
    const w = weightsByName(lab, weights);
    out.measurements.push({
      scenario: SCENARIO,
      metric: `weights ${label}, ${count} L4 flows: largest deviation`,
      system: "wanpilot",
      unit: "points",
      value: maxDeviationPoints(flows.byIsp, w),
      note: `${shares(flows.byIsp, w)
        .map((r) => `${r.count}`)
        .join(" / ")} flows${flows.failed > 0 ? `, ${flows.failed} failed` : ""}`,
    });
    out.raw = { ...(out.raw as object), [label]: { byIsp: flows.byIsp, failed: flows.failed } };
  } finally {
    await running?.stop().catch(() => undefined);
    await lab.destroy();
  }
}

/** hash: host over 200 LAN hosts: each host should keep one link; hosts spread by weight. */
async function byHost(ctx: ScenarioContext, out: ScenarioOutput, flowsPerHost: number): Promise<void> {
  const hosts = ctx.quick ? 50 : 200;
  ctx.progress(`balance hash: host: ${hosts} LAN hosts × ${flowsPerHost} flows`);
  const lab = await createLab({ isps: 2, lanHosts: hosts, gwMasquerade: false, name: "balhost" });
  let running: Running | undefined;
  try {
    running = new Running(lab, { balance: { hash: "host" } });
    await running.waitHealthy(60_000);
    const hostsByIsp: Record<string, number> = {};
    let mixed = 0;
    let failed = 0;
    for (const from of lab.lan.hostAddresses) {
      const r = await lab.openFlows({
        count: flowsPerHost,
        from,
        concurrency: flowsPerHost,
        timeoutMs: 3000,
      });
      failed += r.failed;
      const used = Object.keys(r.byIsp);
      if (used.length > 1) mixed++;
      for (const isp of used) hostsByIsp[isp] = (hostsByIsp[isp] ?? 0) + 1;
    }
    const w = weightsByName(lab, [1, 1]);
    out.measurements.push(
      {
        scenario: SCENARIO,
        metric: `hash: host, ${hosts} LAN hosts × ${flowsPerHost} flows: hosts on more than one link`,
        system: "wanpilot",
        unit: "count",
        value: mixed,
        note: failed > 0 ? `${failed} flows failed` : "",
      },
      {
        scenario: SCENARIO,
        metric: `hash: host, ${hosts} LAN hosts, weights 1:1: largest deviation (hosts)`,
        system: "wanpilot",
        unit: "points",
        value: maxDeviationPoints(hostsByIsp, w),
        note: `${Object.values(w).length} links: ${lab.isps.map((i) => hostsByIsp[i.name] ?? 0).join(" / ")} hosts`,
      },
    );
    out.raw = { ...(out.raw as object), host: { hostsByIsp, mixed, failed } };
  } finally {
    await running?.stop().catch(() => undefined);
    await lab.destroy();
  }
}

async function run(ctx: ScenarioContext, out: ScenarioOutput): Promise<void> {
  const flows = ctx.quick ? 1000 : 5000;
  await byWeight(ctx, out, [1, 4], flows);
  await byWeight(ctx, out, [1, 2, 3], flows);
  await byHost(ctx, out, ctx.quick ? 5 : 10);
  out.notes.push(
    "flows: new TCP connections from the LAN host to the flow server, each a new source port; the server reports which ISP it came through",
    "hash: host: with 200 hosts on two equal links a fair coin gives ±3.5 points (1 σ); the hash is deterministic, not a coin, but of that order",
  );
}

export const balance: Scenario = {
  name: SCENARIO,
  title: "Balance accuracy: weights 1:4 and 1:2:3 over 5000 flows; hash: host over LAN hosts",
  run,
};
