import { describe, expect, it } from "vitest";
import { type CountBudget, countDue, countIntervalMs, DEFAULT_COUNT_BUDGET } from "./count-budget.js";

const b: CountBudget = { minIntervalMs: 5_000, budget: 0.01, maxIntervalMs: 300_000 };

describe("countIntervalMs: counting connections stays within its CPU budget", () => {
  it.each([
    { durationMs: 3, expected: 5_000, why: "a small table: the 5 s refresh" },
    { durationMs: 50, expected: 5_000, why: "50 ms at 1 % is exactly 5 s" },
    { durationMs: 120, expected: 12_000, why: "100k entries: 120 ms → 12 s" },
    { durationMs: 2_000, expected: 200_000, why: "a slow count waits 100× its duration" },
    { durationMs: 60_000, expected: 300_000, why: "never longer than the ceiling" },
  ])("$durationMs ms → $expected ms ($why)", ({ durationMs, expected }) => {
    expect(countIntervalMs({ startedAtMs: 0, durationMs }, b)).toBe(expected);
  });
});

describe("countDue", () => {
  it.each([
    { now: 0, last: null, expected: true, why: "never counted" },
    { now: 4_999, last: { startedAtMs: 0, durationMs: 3 }, expected: false, why: "before the 5 s floor" },
    { now: 5_000, last: { startedAtMs: 0, durationMs: 3 }, expected: true, why: "at the floor" },
    {
      now: 11_999,
      last: { startedAtMs: 0, durationMs: 120 },
      expected: false,
      why: "a slow count pushes it out",
    },
    {
      now: 12_000,
      last: { startedAtMs: 0, durationMs: 120 },
      expected: true,
      why: "its interval has passed",
    },
  ])("$why", ({ now, last, expected }) => {
    expect(countDue(now, last, b)).toBe(expected);
  });

  it("the shipped budget: 0.5 % of one core, counts every 5 s to every 5 min", () => {
    expect(DEFAULT_COUNT_BUDGET).toEqual({ minIntervalMs: 5_000, budget: 0.005, maxIntervalMs: 300_000 });
  });
});
