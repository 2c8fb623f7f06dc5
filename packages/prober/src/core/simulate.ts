import type { LinkStateName } from "@wanpilot/common";
import { initialMachine, type LinkMachine, step, type Transition, timeoutFor } from "./machine.js";
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

/** A probe's RTT: base + uniform jitter, and now and then a spike on top (each probe drawn on its own). */
export interface RttModel {
  baseMs: number;
  jitterMs: number;
  spikeRatio: number;
  /** A spike adds between spikeMs and 2 × spikeMs. */
  spikeMs: number;
}

/** A wired link: 20–30 ms, 0.5 % of probes 100–200 ms later. */
export const WIRED: RttModel = { baseMs: 20, jitterMs: 10, spikeRatio: 0.005, spikeMs: 100 };
/** The lab's LTE-like link (lab `delay: "lte"`): 80–400 ms, 0.5 % of probes 400–800 ms later. */
export const LTE: RttModel = { baseMs: 80, jitterMs: 320, spikeRatio: 0.005, spikeMs: 400 };

export function drawRtt(model: RttModel, rand: () => number): number {
  const rtt = model.baseMs + rand() * model.jitterMs;
  return rand() < model.spikeRatio ? rtt + model.spikeMs * (1 + rand()) : rtt;
}

export interface SimulationResult {
  rounds: number;
  downs: number;
  /** Rounds spent up or degraded: the exposure in which a false down could start. */
  roundsNotDown: number;
  states: Record<LinkStateName, number>;
  /** Replies that came after their (adaptive) timeout: lost to the core, on top of the random loss. */
  late: number;
  /** Replies in all. */
  replies: number;
}

/**
 * Feeds `rounds` rounds of independent per-probe loss and RTTs drawn from `rtt` through the real decision
 * core, the way the probe feed does: every reply refines its target's timeout; a reply later than the
 * timeout its probe had is a loss (judged at the timeout, the reply counted only by the estimator).
 */
export function simulateLoss(
  p: DecisionParams,
  lossRatio: number,
  rounds: number,
  seed: number,
  rtt: RttModel = { baseMs: 20, jitterMs: 10, spikeRatio: 0, spikeMs: 0 },
): SimulationResult {
  const rand = prng(seed);
  let m = startedMachine(p);
  const states: Record<LinkStateName, number> = { unknown: 0, up: 0, degraded: 0, down: 0 };
  let downs = 0;
  let late = 0;
  let replies = 0;
  const apply = (s: { machine: LinkMachine; transitions: Transition[] }) => {
    m = s.machine;
    downs += s.transitions.filter((t) => t.to === "down").length;
  };
  for (let r = 0; r < rounds; r++) {
    const sentAtMs = r * p.intervalMs;
    for (const target of p.targets) {
      const timeoutMs = timeoutFor(p, m, target);
      const rttMs = rand() < lossRatio ? null : drawRtt(rtt, rand);
      if (rttMs !== null) replies++;
      if (rttMs !== null && rttMs > timeoutMs) late++;
      const onTime = rttMs !== null && rttMs <= timeoutMs;
      if (rttMs !== null && onTime) apply(step(p, m, { kind: "rtt", atMs: sentAtMs + rttMs, target, rttMs }));
      const atMs = sentAtMs + (onTime ? rttMs : timeoutMs);
      apply(step(p, m, { kind: "probe", atMs, outcome: { target, sentAtMs, rttMs: onTime ? rttMs : null } }));
      if (rttMs !== null && !onTime)
        apply(step(p, m, { kind: "rtt", atMs: sentAtMs + rttMs, target, rttMs }));
    }
    states[m.state]++;
  }
  return { rounds, downs, roundsNotDown: rounds - states.down - states.unknown, states, late, replies };
}

function startedMachine(p: DecisionParams): LinkMachine {
  const view = { present: true, carrier: true, source: "198.18.0.2" };
  const m = step(p, initialMachine(p, 0), { kind: "kernel", atMs: 0, interface: "sim0", view }).machine;
  return step(p, m, { kind: "path", atMs: 0, ready: true }).machine;
}

/**
 * Expected false downs per round (reliability 1, targets probed independently, not in lock-step). The
 * link goes down at the arrival of a lost probe that brings its target's run of losses to exactly
 * `down` while every other target's run is already ≥ `down`: p^down·(1−p) · (p^down)^(T−1) per arrival,
 * T arrivals a round. A reply later than its timeout is a loss too: pass the effective loss ratio.
 */
export function falseDownRatePerRound(p: DecisionParams, lossRatio: number): number {
  const t = p.targets.length;
  return t * lossRatio ** (p.down * t) * (1 - lossRatio);
}

/** Independent loss `lossRatio` plus the share of replies later than their timeout, as one loss ratio. */
export function effectiveLoss(lossRatio: number, lateShare: number): number {
  return lossRatio + (1 - lossRatio) * lateShare;
}
