import type { ProbeConfig, ProbeTarget } from "@wanpilot/common";

/** What the decision core needs from a link's probe config, in plain units. */
export interface DecisionParams {
  targets: string[];
  intervalMs: number;
  timeoutMs: number;
  reliability: number;
  down: number;
  up: number;
  windowMs: number;
  degraded: { rttMs: number; lossRatio: number; recoverRttMs: number; recoverLossRatio: number };
  damping: { windowMs: number; downs: number; factor: number };
}

/** Targets are keyed by name; two targets with the same name would share statistics, so names get suffixed. */
export function targetKeys(targets: readonly ProbeTarget[]): string[] {
  const seen = new Map<string, number>();
  return targets.map((t) => {
    const n = (seen.get(t.name) ?? 0) + 1;
    seen.set(t.name, n);
    return n === 1 ? t.name : `${t.name}#${n}`;
  });
}

export function decisionParams(probe: ProbeConfig): DecisionParams {
  return {
    targets: targetKeys(probe.targets),
    intervalMs: probe.interval,
    timeoutMs: probe.timeout,
    reliability: Math.min(probe.reliability, probe.targets.length),
    down: probe.down,
    up: probe.up,
    windowMs: probe.window,
    degraded: {
      rttMs: probe.degraded.rtt,
      lossRatio: probe.degraded.loss,
      recoverRttMs: probe.degraded.recover_rtt,
      recoverLossRatio: probe.degraded.recover_loss,
    },
    damping: { windowMs: probe.damping.window, downs: probe.damping.downs, factor: probe.damping.factor },
  };
}

/** One probe's outcome: answered with an RTT, or lost (no answer within the timeout). */
export interface ProbeOutcome {
  target: string;
  /** When the probe left (ms, same clock as every other time given to the core). */
  sentAtMs: number;
  /** null: lost. */
  rttMs: number | null;
}

/**
 * A socket probe's outcome (tcp/http/dns): it settles itself, so it is fed to the core as soon as it is known. A
 * refusal or an error is lost at once, not when a timeout passes; an answer later than the timeout is lost too.
 */
export function socketOutcome(
  target: string,
  sentAtMs: number,
  rttMs: number | null,
  timeoutMs: number,
): ProbeOutcome {
  return { target, sentAtMs, rttMs: rttMs !== null && rttMs <= timeoutMs ? rttMs : null };
}
