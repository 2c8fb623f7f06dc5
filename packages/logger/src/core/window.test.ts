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

  it.each([{ since: "yesterday" }, { since: "1d", until: "2d" }])("refuses %o with a USAGE error", (opts) => {
    let caught: unknown;
    try {
      resolveWindow(opts, NOW);
    } catch (err: unknown) {
      caught = err;
    }
    expect(isWanpilotError(caught, "USAGE")).toBe(true);
  });
});
