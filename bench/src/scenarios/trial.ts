import type { Lab } from "@wanpilot/lab";
import { ConnectLoop } from "../observe/connect.js";
import type { KernelWatch } from "../observe/kernel.js";
import { sleep, waitFor } from "../poll.js";
import type { TrialObservation } from "./failover-core.js";

/** What a failover trial needs to know about the system under test (wanpilot's bus, or the recipe's output). */
export interface Observed {
  healthy(): boolean;
  /** When `link` entered `state`, first time at or after `after` (epoch ms). */
  transition(link: string, state: "up" | "down", after: number): number | undefined;
  /** When the system changed the kernel, first time at or after `after`. */
  routeChange(after: number): number | undefined;
  /** When the down/up message reached a subscriber (wanpilot only). */
  transitionMessage?(link: string, state: "up" | "down", after: number): number | undefined;
}

export interface TrialPlan {
  /** The cut comes a uniformly random delay in [0, phaseMs) after the system is healthy (its probe interval). */
  phaseMs: number;
  healthyTimeoutMs: number;
  downTimeoutMs: number;
  upTimeoutMs: number;
  /** The LAN client keeps connecting this long after the kernel changed. */
  settleMs: number;
  connectTimeoutMs: number;
}

/**
 * One failover trial on isp1: healthy → random phase → LAN client connecting every 50 ms → cut isp1's
 * upstream → down → kernel changed → settle → restore → up. Returns the raw timestamps.
 */
export async function runTrial(
  lab: Lab,
  sys: Observed,
  kernel: KernelWatch,
  plan: TrialPlan,
): Promise<TrialObservation> {
  const link = lab.isps[0]?.name ?? "isp1";
  await waitFor(
    "a healthy system before the trial",
    () => (sys.healthy() ? true : undefined),
    plan.healthyTimeoutMs,
    20,
  );
  await sleep(Math.random() * plan.phaseMs);
  const loop = new ConnectLoop(lab, {
    timeoutMs: plan.connectTimeoutMs,
    durationMs: plan.downTimeoutMs + plan.settleMs + 10_000,
  });
  const obs: TrialObservation = {
    cutAt: 0,
    downAt: null,
    kernelAt: null,
    kernelSeenAt: null,
    restoreAt: null,
    upAt: null,
    attempts: loop.attempts,
  };
  try {
    await sleep(300);
    const before = Date.now();
    await lab.cutUpstream(0);
    obs.cutAt = (before + Date.now()) / 2;
    const downAt = await waitFor("down", () => sys.transition(link, "down", before), plan.downTimeoutMs);
    obs.downAt = downAt;
    obs.kernelAt = await waitFor("the kernel change", () => sys.routeChange(downAt - 1), 10_000).catch(
      () => null,
    );
    await sleep(plan.settleMs + plan.connectTimeoutMs);
    obs.kernelSeenAt = kernel.firstAfter(downAt - 1) ?? null;
    const messageAt = sys.transitionMessage?.(link, "down", before);
    if (messageAt !== undefined) obs.downMessageAt = messageAt;
  } finally {
    await loop.stop();
    obs.attempts = loop.attempts.filter((a) => a.t <= Date.now() - plan.connectTimeoutMs);
    // a random phase here too: the recipe's recovery depends on where the restore falls in its 10 s cycle
    await sleep(Math.random() * plan.phaseMs);
    const restoreBefore = Date.now();
    await lab.restoreUpstream(0);
    obs.restoreAt = (restoreBefore + Date.now()) / 2;
  }
  obs.upAt = await waitFor(
    "up",
    () => sys.transition(link, "up", obs.restoreAt ?? 0),
    plan.upTimeoutMs,
  ).catch(() => null);
  return obs;
}

/** Runs `count` trials; a failed trial is kept (as far as it got) and two failures in a row end the series. */
export async function runTrials(
  lab: Lab,
  sys: Observed,
  kernel: KernelWatch,
  plan: TrialPlan,
  count: number,
  progress: (m: string) => void,
): Promise<{ observations: TrialObservation[]; errors: string[] }> {
  const observations: TrialObservation[] = [];
  const errors: string[] = [];
  let failedInARow = 0;
  for (let i = 0; i < count && failedInARow < 2; i++) {
    try {
      observations.push(await runTrial(lab, sys, kernel, plan));
      failedInARow = 0;
    } catch (err: unknown) {
      errors.push(err instanceof Error ? err.message : String(err));
      failedInARow++;
    }
    const last = observations.at(-1);
    if (last)
      progress(
        `  trial ${i + 1}/${count}: down after ${Math.round((last.downAt ?? Number.NaN) - last.cutAt)} ms`,
      );
  }
  return { observations, errors };
}
