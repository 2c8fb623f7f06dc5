import { describe, expect, it } from "vitest";
import { humanDuration, percent, reportJson, reportTable } from "./format.js";
import { buildReport, type TransitionRecord } from "./report.js";

const M = 60_000;
const T0 = Date.parse("2026-11-29T10:00:00Z");
const history: TransitionRecord[] = [
  { id: "evt-000001", link: "fiber", from: "unknown", to: "up", atMs: T0, cause: "probes answer" },
  { id: "evt-000002", link: "fiber", from: "up", to: "down", atMs: T0 + 10 * M, cause: "all targets lost" },
  { id: "evt-000003", link: "fiber", from: "down", to: "up", atMs: T0 + 13 * M, cause: "probes answer" },
  { id: "evt-000004", link: "lte", from: "unknown", to: "up", atMs: T0, cause: "probes answer" },
  { id: "evt-000005", link: "lte", from: "up", to: "down", atMs: T0 + 50 * M, cause: "carrier lost" },
];
const window = { sinceMs: T0, untilMs: T0 + 60 * M };

describe("humanDuration", () => {
  it.each([
    [null, "-"],
    [0, "0ms"],
    [450, "450ms"],
    [1000, "1s"],
    [200_000, "3m 20s"],
    [3_605_000, "1h"],
    [93_784_000, "1d 2h"],
  ])("%s → %s", (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });
});

describe("reportJson", () => {
  it("has the issue's shape, ratio availability and null end for an ongoing outage", () => {
    const json = reportJson(buildReport(history, window), window);
    expect(json).toMatchObject({
      since: "2026-11-29T10:00:00.000Z",
      until: "2026-11-29T11:00:00.000Z",
      links: [
        {
          name: "fiber",
          availability: 57 / 60,
          degradedMs: 0,
          outages: [
            {
              start: "2026-11-29T10:10:00.000Z",
              end: "2026-11-29T10:13:00.000Z",
              durationMs: 3 * M,
              cause: "all targets lost",
            },
          ],
        },
        {
          name: "lte",
          availability: 50 / 60,
          outages: [
            { start: "2026-11-29T10:50:00.000Z", end: null, durationMs: 10 * M, cause: "carrier lost" },
          ],
        },
      ],
    });
    // It survives a JSON round trip unchanged (no undefined, no Infinity).
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });
});

describe("reportTable", () => {
  it("shows one row per link and every outage", () => {
    const text = reportTable(buildReport(history, window), window);
    const lines = text.split("\n");
    expect(lines[0]).toBe("Uptime report 2026-11-29 10:00:00Z → 2026-11-29 11:00:00Z (1h)");
    expect(lines[2]).toMatch(/^LINK\s+AVAILABILITY .* UNKNOWN\s+DISABLED$/);
    expect(lines.find((l) => l.startsWith("fiber "))).toMatch(
      /^fiber\s+95\.000%\s+0ms\s+1\s+3m\s+3m\s+57m\s+3m\s+0ms\s+0ms$/,
    );
    expect(text).toMatch(/lte\s+2026-11-29 10:50:00Z\s+ongoing\s+10m\s+carrier lost/);
  });

  it("shows time disabled by an operator apart, out of the availability", () => {
    const disabled = new Map([["fiber", [{ startMs: T0 + 30 * M, endMs: T0 + 40 * M }]]]);
    const text = reportTable(buildReport(history, window, [], disabled), window);
    expect(text.split("\n").find((l) => l.startsWith("fiber "))).toMatch(
      /^fiber\s+94\.000%\s+0ms\s+1\s+3m\s+3m\s+47m\s+3m\s+0ms\s+10m$/,
    );
    expect(reportJson(buildReport(history, window, [], disabled), window).links[0]).toMatchObject({
      availability: 47 / 50,
      disabledMs: 10 * M,
      totalDowntimeMs: 3 * M,
    });
  });

  it("says so when there is nothing", () => {
    expect(reportTable([], window)).toContain("No link has any recorded history.");
    expect(percent(null)).toBe("unknown");
  });
});
