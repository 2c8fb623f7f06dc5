import type { LinkStateName } from "@wanpilot/common";
import { initialMachine, step } from "./machine.js";
import type { DecisionParams } from "./params.js";

/** mulberry32: a small seeded PRNG, so a simulation is repeatable from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SimulationResult {
  rounds: number;
  downs: number;
  /** Rounds spent up or degraded: the exposure in which a false down could start. */
  roundsNotDown: number;
  states: Record<LinkStateName, number>;
}

/** Feeds `rounds` rounds of independent per-probe loss through the real decision core. */
export function simulateLoss(
  p: DecisionParams,
  lossRatio: number,
  rounds: number,
  seed: number,
): SimulationResult {
  const rand = prng(seed);
  let m = initialMachine(p, 0);
  m = step(p, m, {
    kind: "kernel",
    atMs: 0,
    interface: "sim0",
    view: { present: true, carrier: true, source: "198.18.0.2" },
  }).machine;
  const states: Record<LinkStateName, number> = { unknown: 0, up: 0, degraded: 0, down: 0 };
  let downs = 0;
  for (let r = 0; r < rounds; r++) {
    const sentAtMs = r * p.intervalMs;
    for (const target of p.targets) {
      const rttMs = rand() < lossRatio ? null : 20 + rand() * 10;
      const s = step(p, m, {
        kind: "probe",
        atMs: sentAtMs + (rttMs ?? p.timeoutMs),
        outcome: { target, sentAtMs, rttMs },
      });
      m = s.machine;
      downs += s.transitions.filter((t) => t.to === "down").length;
    }
    states[m.state]++;
  }
  return { rounds, downs, roundsNotDown: rounds - states.down - states.unknown, states };
}

/**
 * Expected false downs per round (reliability 1, targets probed independently, not in lock-step). The
 * link goes down at the arrival of a lost probe that brings its target's run of losses to exactly
 * `down` while every other target's run is already ≥ `down`: p^down·(1−p) · (p^down)^(T−1) per arrival,
 * T arrivals a round.
 */
export function falseDownRatePerRound(p: DecisionParams, lossRatio: number): number {
  const t = p.targets.length;
  return t * lossRatio ** (p.down * t) * (1 - lossRatio);
}
