import { describe, expect, it } from "vitest";
import type { DecisionParams } from "./params.js";
import { effectiveLoss, falseDownRatePerRound, LTE, type RttModel, simulateLoss, WIRED } from "./simulate.js";
import { defaultParams } from "./test-helpers.js";

const p = defaultParams();
/** docs/prober.md's fast profile. */
const fast = defaultParams({ intervalMs: 40, down: 4, timeout: { minMs: 50, maxMs: 150, k: 4 } });
/** iputils sends a little slower than asked (200 ms → ~206 ms, 40 ms → ~46 ms): the real rounds a year. */
const roundsPerYear = (q: DecisionParams) =>
  (365 * 24 * 3600 * 1000) / (q.intervalMs === 40 ? 46 : q.intervalMs * 1.03);
/**
 * `WANPILOT_SIM=full` runs the measurement of docs/prober.md (10⁶ rounds a case, a few minutes:
 * `npm run test:sim`); `npm test` runs the same seeded cases, shorter, so the unit loop stays fast.
 */
const FULL = process.env.WANPILOT_SIM === "full";

describe("seeded simulation of the decision core under independent loss, RTT jitter and spikes", () => {
  const quiet = FULL ? 1_000_000 : 10_000;
  it.each<{ name: string; q: DecisionParams; model: RttModel; years: number }>([
    { name: "defaults, wired-like RTT (20–30 ms, spikes)", q: p, model: WIRED, years: 1.5 },
    { name: "defaults, LTE-like RTT (80–400 ms, spikes)", q: p, model: LTE, years: 1.3 },
    { name: "fast profile, wired-like RTT", q: fast, model: WIRED, years: 100 },
  ])(
    `${quiet} rounds, 10 % loss on every probe, $name: no false down, > 1 year between them`,
    ({ q, model, years }) => {
      const r = simulateLoss(q, 0.1, quiet, 42, model);
      expect(r.downs).toBe(0);
      expect(r.states.down).toBe(0);
      // Replies later than their adaptive timeout are losses on top of the 10 %: the arithmetic takes them in.
      const late = r.late / r.replies;
      expect(late).toBeLessThan(0.01);
      const between = 1 / (falseDownRatePerRound(q, effectiveLoss(0.1, late)) * roundsPerYear(q));
      expect(between).toBeGreaterThan(years);
    },
    1_200_000,
  );

  it("the arithmetic of docs/prober.md: 3 · 0.1⁹ · 0.9 per round at defaults → one in ~2.4 years", () => {
    const years = 1 / (falseDownRatePerRound(p, 0.1) * roundsPerYear(p));
    expect(years).toBeGreaterThan(2.3);
    expect(years).toBeLessThan(2.5);
  });

  it.each(
    FULL
      ? [
          { lossRatio: 0.5, rounds: 200_000 },
          { lossRatio: 0.4, rounds: 400_000 },
        ]
      : [
          // Still dozens of expected downs each, so a wrong formula or core shows.
          { lossRatio: 0.5, rounds: 25_000 },
          { lossRatio: 0.45, rounds: 45_000 },
        ],
  )(
    "the formula matches what the core does at $lossRatio loss over $rounds rounds",
    ({ lossRatio, rounds }) => {
      const r = simulateLoss(p, lossRatio, rounds, 7);
      const expected = falseDownRatePerRound(p, lossRatio) * r.roundsNotDown;
      expect(r.late).toBe(0);
      expect(expected).toBeGreaterThan(20);
      // Poisson: within 4 standard deviations.
      expect(Math.abs(r.downs - expected)).toBeLessThan(4 * Math.sqrt(expected) + 2);
    },
    1_200_000,
  );
});
