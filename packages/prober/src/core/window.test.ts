import { describe, expect, it } from "vitest";
import { emptyWindow, linkStats, lowerMedian, pushSample, rttStats, windowStats } from "./window.js";

describe("window statistics", () => {
  it.each([
    { rtts: [], expected: null },
    { rtts: [10], expected: { meanMs: 10, minMs: 10, maxMs: 10, jitterMs: 0 } },
    { rtts: [10, 20, 10, 20], expected: { meanMs: 15, minMs: 10, maxMs: 20, jitterMs: 10 } },
    { rtts: [10, 11, 12], expected: { meanMs: 11, minMs: 10, maxMs: 12, jitterMs: 1 } },
  ])("rtt $rtts", ({ rtts, expected }) => {
    expect(rttStats(rtts)).toEqual(expected);
  });

  it.each([
    { values: [], expected: null },
    { values: [0.5], expected: 0.5 },
    { values: [1, 0], expected: 0 },
    { values: [1, 0, 0.1], expected: 0.1 },
    { values: [1, 1, 0, 0.2], expected: 0.2 },
  ])("lower median of $values", ({ values, expected }) => {
    expect(lowerMedian(values)).toBe(expected);
  });

  it("drops samples older than the window", () => {
    let w = emptyWindow();
    for (let t = 0; t < 100; t++)
      w = pushSample(w, { target: "a", sentAtMs: t * 100, rttMs: t % 4 === 0 ? null : 5 }, 1000, t * 100);
    expect(w.samples.length).toBe(10);
    expect(windowStats(w)).toMatchObject({ samples: 10, lossRatio: 0.2 });
  });

  it("link figures: median loss over targets, pooled min/max", () => {
    const mk = (rtts: (number | null)[]) => ({ samples: rtts.map((rttMs, i) => ({ sentAtMs: i, rttMs })) });
    const s = linkStats([mk([10, 12, null, 10]), mk([null, null, null, null]), mk([30, 30, 30, 30])]);
    expect(s.lossRatio).toBe(0.25);
    expect(s.rtt).toMatchObject({ minMs: 10, maxMs: 30 });
    expect(s.rttMs).toBe(10.67);
  });
});
