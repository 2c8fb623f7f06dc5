import { describe, expect, it } from "vitest";
import { maxDeviationPoints, median, p95, p99, quantile, ratio, shares, summarize } from "./stats.js";

describe("quantiles", () => {
  it.each([
    { samples: [], q: 0.5, expected: null },
    { samples: [7], q: 0.95, expected: 7 },
    { samples: [3, 1, 2], q: 0.5, expected: 2 },
    { samples: [1, 2, 3, 4], q: 0.5, expected: 2.5 },
    { samples: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], q: 0.9, expected: 10 },
    { samples: [10, 0], q: 0.95, expected: 9.5 },
    { samples: [5, 1, 3], q: 0, expected: 1 },
    { samples: [5, 1, 3], q: 1, expected: 5 },
  ])("quantile($samples, $q) = $expected", ({ samples, q, expected }) => {
    expect(quantile(samples, q)).toBe(expected);
  });

  it("refuses a quantile outside 0..1", () => {
    expect(() => quantile([1], 1.5)).toThrow(RangeError);
    expect(() => quantile([1], Number.NaN)).toThrow(RangeError);
  });

  it("median, p95 and p99 of 1..100", () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(median(xs)).toBe(50.5);
    expect(p95(xs)).toBeCloseTo(95.05, 10);
    expect(p99(xs)).toBeCloseTo(99.01, 10);
  });

  it("does not reorder its input", () => {
    const xs = [3, 1, 2];
    median(xs);
    expect(xs).toEqual([3, 1, 2]);
  });
});

describe("summarize", () => {
  it.each([
    { samples: [], expected: { n: 0, medianMs: null, p95Ms: null, p99Ms: null, minMs: null, maxMs: null } },
    {
      samples: [400, 100, Number.NaN, 200, Number.POSITIVE_INFINITY, 300],
      expected: { n: 4, medianMs: 250, minMs: 100, maxMs: 400 },
    },
  ])("$samples", ({ samples, expected }) => {
    expect(summarize(samples)).toMatchObject(expected);
  });
});

describe("balance shares", () => {
  it.each([
    { counts: { a: 1000, b: 4000 }, weights: { a: 1, b: 4 }, expected: 0 },
    { counts: { a: 1100, b: 3900 }, weights: { a: 1, b: 4 }, expected: 2 },
    { counts: { a: 500, b: 1000, c: 1500 }, weights: { a: 1, b: 2, c: 3 }, expected: 0 },
    { counts: { a: 600, b: 900, c: 1500 }, weights: { a: 1, b: 2, c: 3 }, expected: 3.3333333333 },
    // a link that took no flow at all is the full ideal share off
    { counts: { b: 10 }, weights: { a: 1, b: 1 }, expected: 50 },
    // flows that reached a link outside the weights do not count toward the total
    { counts: { a: 5, b: 5, other: 90 }, weights: { a: 1, b: 1 }, expected: 0 },
  ])("$counts over $weights → $expected points", ({ counts, weights, expected }) => {
    expect(maxDeviationPoints(counts, weights)).toBeCloseTo(expected, 6);
  });

  it("reports each link's ideal and observed share", () => {
    expect(shares({ a: 25, b: 75 }, { a: 1, b: 4 })).toEqual([
      { link: "a", weight: 1, count: 25, idealPct: 20, observedPct: 25, deviationPoints: 5 },
      { link: "b", weight: 4, count: 75, idealPct: 80, observedPct: 75, deviationPoints: 5 },
    ]);
  });

  it("refuses weights that add up to nothing", () => {
    expect(() => shares({}, { a: 0 })).toThrow(RangeError);
  });
});

describe("ratio", () => {
  it.each([
    { a: 500, b: 10_000, expected: 0.05 },
    { a: null, b: 1, expected: null },
    { a: 1, b: null, expected: null },
    { a: 1, b: 0, expected: null },
  ])("$a / $b = $expected", ({ a, b, expected }) => {
    expect(ratio(a, b)).toBe(expected);
  });
});
