import type { DecisionParams } from "./params.js";

/** The shipped defaults as decision params (kept in step with packages/common/src/config/probe.ts by a test). */
export function defaultParams(over: Partial<DecisionParams> = {}): DecisionParams {
  return {
    targets: ["a", "b", "c"],
    intervalMs: 200,
    timeout: { minMs: 150, maxMs: 700, k: 4 },
    reliability: 1,
    down: 3,
    up: 10,
    windowMs: 20_000,
    degraded: { rttMs: 400, lossRatio: 0.2, recoverRttMs: 300, recoverLossRatio: 0.1 },
    damping: { windowMs: 300_000, downs: 3, factor: 4 },
    ...over,
  };
}
