import { describe, expect, it } from "vitest";
import { formatDurationMs, parseDurationMs, parseRatio } from "./units.js";

describe("parseDurationMs", () => {
  it.each([
    ["500ms", 500],
    ["2s", 2000],
    ["1.5s", 1500],
    ["5m", 300_000],
    ["1h", 3_600_000],
    ["7d", 604_800_000],
    [250, 250],
    ["250", 250],
    [" 3s ", 3000],
  ])("%j → %d ms", (input, ms) => expect(parseDurationMs(input)).toBe(ms));

  it.each(["fast", "5 minutes", "-1s", "", "1.s", "s", true, null, {}, -5, Number.NaN])(
    "%j is not a duration",
    (input) => expect(parseDurationMs(input)).toBeUndefined(),
  );
});

describe("parseRatio", () => {
  it.each([
    ["20%", 0.2],
    [0.2, 0.2],
    ["0%", 0],
    ["100%", 1],
    ["12.5%", 0.125],
  ])("%j → %d", (input, r) => expect(parseRatio(input)).toBeCloseTo(r));
  it.each(["150%", 1.5, "20", "lots", -0.1])("%j is not a percentage", (input) =>
    expect(parseRatio(input)).toBeUndefined(),
  );
});

describe("formatDurationMs", () => {
  it.each([
    [500, "500ms"],
    [1000, "1s"],
    [1500, "1.5s"],
    [300_000, "5m"],
    [90 * 86_400_000, "90d"],
  ])("%d → %s", (ms, text) => expect(formatDurationMs(ms)).toBe(text));
});
