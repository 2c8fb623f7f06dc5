import { describe, expect, it } from "vitest";
import { correctClock } from "./clock.js";
import { buildReport, type TransitionRecord } from "./report.js";

const NOW = Date.parse("2026-11-29T12:00:00Z");
const D = 86_400_000;
const BOOT = "0b5e7c1a-1111-4222-8333-444455556666";

/** One transition: wall time as the (possibly wrong) clock read it, and time since boot. */
const t = (n: number, to: TransitionRecord["to"], atMs: number, bootMs: number | null, boot = BOOT) => ({
  id: `a-${n}`,
  link: "a",
  from: "unknown" as const,
  to,
  atMs,
  cause: `step ${n}`,
  ...(bootMs === null ? {} : { boot, bootMs }),
});

describe("correctClock", () => {
  // No RTC: the gateway boots 30 days in the past; NTP steps it forward between the link's down and up.
  const forward = [
    t(1, "up", NOW - 30 * D + 10_000, 10_000),
    t(2, "down", NOW - 30 * D + 20_000, 20_000),
    t(3, "up", NOW - 3_540_000, 80_000),
    t(4, "down", NOW - 60_000, 3_560_000),
  ];

  it("keeps the durations of one boot when the clock steps forward 30 days, and records the step", () => {
    const { records, steps } = correctClock(forward);
    expect(records.map((r) => NOW - r.atMs)).toEqual([3_610_000, 3_600_000, 3_540_000, 60_000]);
    // Between the down and the up the wall clock moved 30 days less an hour more than time since boot.
    expect(steps).toEqual([{ boot: BOOT, atMs: NOW - 3_540_000, stepMs: 30 * D - 3_620_000 }]);
  });

  it("keeps them when the clock steps back 30 days; no negative time", () => {
    const back = [
      t(1, "up", NOW - 600_000, 1000),
      t(2, "down", NOW - 500_000, 101_000),
      t(3, "up", NOW - 30 * D, 161_000),
    ];
    const { records, steps } = correctClock(back);
    expect(records.map((r) => r.atMs - (records[0]?.atMs ?? 0))).toEqual([0, 100_000, 160_000]);
    expect(steps.map((s) => Math.round(s.stepMs / D))).toEqual([-30]);
  });

  it("leaves events without boot information as they are", () => {
    const plain = [t(1, "up", NOW - 5000, null), t(2, "down", NOW - 1000, null)];
    expect(correctClock(plain)).toEqual({ records: plain, steps: [] });
  });

  it("corrects each boot on its own", () => {
    const other = "99999999-1111-4222-8333-444455556666";
    const { records, steps } = correctClock([
      t(1, "up", NOW - 2 * D, 5000),
      t(2, "down", NOW - 2 * D + 60_000, 65_000),
      t(3, "up", NOW - 30 * D, 4000, other),
      t(4, "down", NOW - 1000, 30 * D + 3000, other),
    ]);
    expect(steps).toEqual([]);
    expect(records.map((r) => r.id)).toEqual(["a-3", "a-1", "a-2", "a-4"]);
  });

  it("turns the 'no RTC' history into a one-minute outage instead of a 30-day one", () => {
    const window = { sinceMs: NOW - 7 * D, untilMs: NOW };
    const naive = buildReport(forward, window, ["a"])[0];
    const fixed = buildReport(correctClock(forward).records, window, ["a"])[0];
    // Without the correction: the outage runs from 30 days ago to the step (the report the issue saw).
    expect(naive?.outages[0]?.startMs).toBe(NOW - 30 * D + 20_000);
    expect(fixed?.outages.map((o) => [o.startMs, o.endMs, o.durationMs])).toEqual([
      [NOW - 3_600_000, NOW - 3_540_000, 60_000],
      [NOW - 60_000, null, 60_000],
    ]);
    expect(fixed?.availability).toBeGreaterThan(0.96);
  });
});
