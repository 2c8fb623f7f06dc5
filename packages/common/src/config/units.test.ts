import { describe, expect, it } from "vitest";
import { formatDurationMs, humanDurationMs, parseDurationMs, parseRatio } from "./units.js";

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
    [1234, "1234ms"],
    [90_000, "1.5m"],
    [120_000, "2m"],
    [300_000, "5m"],
    [7_200_000, "2h"],
    [90 * 86_400_000, "90d"],
  ])("%d → %s", (ms, text) => expect(formatDurationMs(ms)).toBe(text));
});

describe("humanDurationMs", () => {
  it.each([
    [null, "-"],
    [0, "0ms"],
    [450, "450ms"],
    [1000, "1s"],
    [2_400, "2s"],
    [150_000, "2m30s"],
    [200_000, "3m20s"],
    [3_605_000, "1h"],
    [10_800_000, "3h"],
    [93_784_000, "1d2h"],
  ])("%s → %s", (ms, text) => expect(humanDurationMs(ms)).toBe(text));
});
