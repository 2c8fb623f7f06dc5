import { describe, expect, it } from "vitest";
import { defaultParams } from "../../test/fixtures/params.js";
import { falseDownRatePerRound, simulateLoss } from "./simulate.js";

const p = defaultParams();
const ROUNDS_PER_YEAR = (365 * 24 * 3600 * 1000) / p.intervalMs;
/**
 * `WANPILOT_SIM=full` runs the measurement of docs/prober.md (10⁶ rounds, ~25 s: `npm run test:sim`);
 * `npm test` runs the same seeded cases, shorter, so the unit loop stays fast.
 */
const FULL = process.env.WANPILOT_SIM === "full";

describe("seeded simulation of the decision core under independent loss", () => {
  const quiet = FULL ? 1_000_000 : 30_000;
  it(`${quiet} rounds, 3 targets, defaults, 10 % loss on every probe: no false down`, () => {
    const r = simulateLoss(p, 0.1, quiet, 42);
    expect(r.downs).toBe(0);
    expect(r.states.down).toBe(0);
    // The arithmetic (docs/prober.md): 3 · 0.1⁹ · 0.9 per round, 1.05·10⁸ rounds a year → one in ~3.5 years.
    const years = 1 / (falseDownRatePerRound(p, 0.1) * ROUNDS_PER_YEAR);
    expect(years).toBeGreaterThan(3.4);
    expect(years).toBeLessThan(3.6);
  }, 120_000);

  it.each(
    FULL
      ? [
          { lossRatio: 0.5, rounds: 200_000 },
          { lossRatio: 0.4, rounds: 400_000 },
        ]
      : [
          // Still dozens of expected downs each, so a wrong formula or core shows.
          { lossRatio: 0.5, rounds: 20_000 },
          { lossRatio: 0.45, rounds: 30_000 },
        ],
  )(
    "the formula matches what the core does at $lossRatio loss over $rounds rounds",
    ({ lossRatio, rounds }) => {
      const r = simulateLoss(p, lossRatio, rounds, 7);
      const expected = falseDownRatePerRound(p, lossRatio) * r.roundsNotDown;
      expect(expected).toBeGreaterThan(20);
      // Poisson: within 4 standard deviations.
      expect(Math.abs(r.downs - expected)).toBeLessThan(4 * Math.sqrt(expected) + 2);
    },
    120_000,
  );
});
