import { describe, expect, it } from "vitest";
import { firstThrough, monthlyMegabytes } from "./budget-core.js";

describe("monthly megabytes from a counter series", () => {
  // One round of 3 × 168 bytes every 30 s, read every second: 43.5 MB a month whatever the window's start.
  const samples = Array.from({ length: 301 }, (_, s) => ({
    t: s * 1000,
    bytes: 504 * (Math.floor(s / 30) + 1),
  }));

  it("windows of whole rounds all give the same figure", () => {
    const m = monthlyMegabytes(samples, 120_000);
    expect(m).toHaveLength(181);
    for (const v of m) expect(v).toBeCloseTo(43.5456, 3);
  });

  it("no window longer than the series", () => {
    expect(monthlyMegabytes(samples.slice(0, 100), 120_000)).toEqual([]);
  });
});

describe("cut → first connection through the backup", () => {
  const attempts = [
    { t: 900, ok: true, isp: "isp1" },
    { t: 1000, ok: false, error: "timeout" },
    { t: 1050, ok: true, isp: "isp1" },
    { t: 2600, ok: true, isp: "isp2" },
    { t: 2650, ok: true, isp: "isp2" },
  ];
  it.each([
    { isp: "isp2", expected: 1600 },
    { isp: "isp3", expected: null },
  ])("$isp → $expected", ({ isp, expected }) => {
    expect(firstThrough(attempts, 1000, isp)).toBe(expected);
  });
});
