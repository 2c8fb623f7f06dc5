import { describe, expect, it } from "vitest";
import { adaptiveTimeout, observeRtt, type RttEstimate } from "./rto.js";

const bounds = { minMs: 150, maxMs: 700, k: 4 };

function estimate(rtts: readonly number[]): RttEstimate | null {
  return rtts.reduce<RttEstimate | null>((e, r) => observeRtt(e, r), null);
}

describe("adaptive timeout (RFC 6298 estimator)", () => {
  it.each([
    { name: "no reply yet → the ceiling", rtts: [], expected: 700 },
    { name: "first reply 100 ms: 100 + 4 · 50", rtts: [100], expected: 300 },
    { name: "first reply 10 ms: the floor", rtts: [10], expected: 150 },
    { name: "steady 20 ms: the floor", rtts: Array(30).fill(20), expected: 150 },
    { name: "first reply 400 ms: capped at the ceiling", rtts: [400], expected: 700 },
    // srtt 100 → 112.5, rttvar 50 → 62.5: 112.5 + 250 = 362.5 → 363
    { name: "100 then 200 ms: the variation widens it", rtts: [100, 200], expected: 363 },
  ])("$name → $expected ms", ({ rtts, expected }) => {
    expect(adaptiveTimeout(estimate(rtts), bounds)).toBe(expected);
  });

  it("LTE-like RTTs (80–400 ms) keep the timeout above almost every reply", () => {
    // a repeatable spread over 80–400 ms
    const rtts = Array.from({ length: 200 }, (_, i) => 80 + ((i * 137) % 321));
    let e: RttEstimate | null = null;
    let late = 0;
    for (const r of rtts) {
      if (e !== null && r > adaptiveTimeout(e, bounds)) late++;
      e = observeRtt(e, r);
    }
    expect(late).toBe(0);
    expect(e?.srttMs).toBeGreaterThan(150);
  });

  it("follows a link whose RTT rises: a few slow replies lift the timeout above them", () => {
    const e = estimate([...Array(20).fill(20), 400, 400, 400]);
    expect(adaptiveTimeout(e, bounds)).toBeGreaterThan(400);
  });
});
