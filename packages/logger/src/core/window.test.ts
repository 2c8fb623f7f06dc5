import { isWanpilotError } from "@wanpilot/common";
import { describe, expect, it } from "vitest";
import { resolveWindow } from "./window.js";

const NOW = Date.parse("2026-11-29T12:00:00Z");
const D = 86_400_000;

describe("resolveWindow", () => {
  it.each([
    { opts: {}, expected: { sinceMs: NOW - 7 * D, untilMs: NOW } },
    { opts: { since: "1d" }, expected: { sinceMs: NOW - D, untilMs: NOW } },
    {
      opts: { since: "90m", until: "30m" },
      expected: { sinceMs: NOW - 90 * 60_000, untilMs: NOW - 30 * 60_000 },
    },
    {
      opts: { since: "2026-11-28T00:00:00Z", until: "2026-11-28T06:00:00Z" },
      expected: { sinceMs: NOW - 36 * 3_600_000, untilMs: NOW - 30 * 3_600_000 },
    },
    { opts: { since: NOW - 1000, until: "now" }, expected: { sinceMs: NOW - 1000, untilMs: NOW } },
    { opts: { since: "1d", until: new Date(NOW + D) }, expected: { sinceMs: NOW - D, untilMs: NOW } },
  ])("$opts", ({ opts, expected }) => {
    expect(resolveWindow(opts, NOW)).toEqual(expected);
  });

  it.each([
    { opts: { since: "yesterday" }, message: "neither a duration" },
    { opts: { since: "1d", until: "2d" }, message: "before --since" },
    // Date.parse("5") is 2001-05-01: a unit forgotten must not become a 25-year window.
    { opts: { since: "5" }, message: '--since "5" has no unit: write 5d, 5h or 5m' },
    { opts: { since: "7d", until: "12" }, message: '--until "12" has no unit' },
    { opts: { since: "May 5" }, message: "neither a duration" },
  ])("refuses $opts with a USAGE error", ({ opts, message }) => {
    let caught: unknown;
    try {
      resolveWindow(opts, NOW);
    } catch (err: unknown) {
      caught = err;
    }
    expect(isWanpilotError(caught, "USAGE")).toBe(true);
    expect((caught as Error).message).toContain(message);
  });

  it("takes a plain ISO date", () => {
    expect(resolveWindow({ since: "2026-11-28" }, NOW).sinceMs).toBe(Date.parse("2026-11-28T00:00:00Z"));
  });
});
