import { describe, expect, it } from "vitest";
import type { Attempt } from "../scripts/connect-loop.js";
import { column, failureRatio, lastFailureMs, trialTimes } from "./failover-core.js";

const ok = (t: number): Attempt => ({ t, ok: true, isp: "isp2" });
const bad = (t: number): Attempt => ({ t, ok: false, error: "timeout" });

describe("lastFailureMs", () => {
  it.each([
    { attempts: [], expected: 0 },
    { attempts: [ok(1000), ok(1050)], expected: 0 },
    { attempts: [bad(900), ok(1000)], expected: 0 }, // before the cut: not a new connection of the outage
    { attempts: [ok(1000), bad(1050), ok(1100), bad(1400), ok(1450)], expected: 400 },
    { attempts: [bad(1400), bad(1050)], expected: 400 }, // out of order (printed at completion)
  ])("$attempts → $expected", ({ attempts, expected }) => {
    expect(lastFailureMs(attempts, 1000)).toBe(expected);
  });
});

describe("trialTimes", () => {
  it("derives every interval from the timestamps", () => {
    expect(
      trialTimes({
        cutAt: 1000,
        downAt: 2600,
        kernelAt: 2610,
        kernelSeenAt: 2608,
        downMessageAt: 2603,
        restoreAt: 5000,
        upAt: 8100,
        attempts: [ok(950), bad(1000), bad(2500), ok(2650)],
      }),
    ).toEqual({
      cutToDownMs: 1600,
      downToKernelMs: 10,
      downToKernelSeenMs: 8,
      messageToKernelMs: 5,
      cutToLastFailureMs: 1500,
      restoreToUpMs: 3100,
      attempts: 4,
      failedAfterCut: 2,
    });
  });

  it("leaves what was not observed as null", () => {
    const t = trialTimes({
      cutAt: 1000,
      downAt: null,
      kernelAt: null,
      kernelSeenAt: null,
      restoreAt: null,
      upAt: null,
      attempts: [],
    });
    expect(t).toMatchObject({
      cutToDownMs: null,
      downToKernelMs: null,
      cutToLastFailureMs: null,
      restoreToUpMs: null,
    });
    expect(column([t], "cutToDownMs")).toEqual([]);
  });
});

describe("failureRatio", () => {
  it.each([
    { from: 0, to: 10_000, expected: 0.5 },
    { from: 2000, to: 10_000, expected: null },
    { from: 1000, to: 1100, expected: 1 },
  ])("[$from, $to) → $expected", ({ from, to, expected }) => {
    expect(failureRatio([ok(900), bad(1000), bad(1050), ok(1200)], from, to)).toBe(expected);
  });
});
