import { describe, expect, it } from "vitest";
import type { Measurement } from "./results.js";
import { formatMs, formatPivot, formatTable, formatValue } from "./table.js";

const base = { scenario: "failover", metric: "cut → down", system: "wanpilot" } as const;

describe("formatValue", () => {
  it.each([
    { m: { ...base, unit: "ms", value: 1234.4 }, expected: "1234 ms" },
    { m: { ...base, unit: "ms", value: 12_340 }, expected: "12.3 s" },
    { m: { ...base, unit: "ms", value: null }, expected: "—" },
    { m: { ...base, unit: "points", value: 0.456 }, expected: "0.46 pt" },
    { m: { ...base, unit: "ratio", value: 0.0712 }, expected: "× 0.07" },
    { m: { ...base, unit: "count", value: 0 }, expected: "0" },
    { m: { ...base, unit: "ms", value: null, display: "never" }, expected: "never" },
    { m: { ...base, unit: "MiB", value: 61.04 }, expected: "61.0 MiB" },
    {
      m: {
        ...base,
        unit: "ms",
        summary: { n: 20, medianMs: 900, p95Ms: 10_500, p99Ms: 11_000, minMs: 1, maxMs: 2 },
      },
      expected: "900 ms / 10.5 s",
    },
    {
      m: {
        ...base,
        unit: "percent",
        summary: { n: 6, medianMs: 3.14, p95Ms: 4.06, p99Ms: 4.1, minMs: 2, maxMs: 4.2 },
      },
      expected: "3.1 % / 4.1 %",
    },
    {
      m: {
        ...base,
        unit: "ms",
        summary: { n: 0, medianMs: null, p95Ms: null, p99Ms: null, minMs: null, maxMs: null },
      },
      expected: "—",
    },
  ] as Array<{ m: Measurement; expected: string }>)("$expected", ({ m, expected }) => {
    expect(formatValue(m)).toBe(expected);
  });

  it("formatMs switches to seconds at 10 s", () => {
    expect(formatMs(9_999)).toBe("9999 ms");
    expect(formatMs(10_000)).toBe("10.0 s");
  });
});

describe("formatTable", () => {
  it("pads every column to its widest cell", () => {
    const text = formatTable([
      { ...base, unit: "count", value: 3, note: "bounded at 30 s" },
      { scenario: "balance", metric: "1:4", system: "wanpilot", unit: "points", value: 1 },
    ]);
    const lines = text.split("\n");
    expect(lines).toHaveLength(4);
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
    expect(lines[1]).toMatch(/^\| -+ \| -+ \|/);
    expect(lines[2]).toContain("bounded at 30 s");
  });
});

describe("formatPivot", () => {
  it("puts systems side by side and leaves ratios out", () => {
    const sum = (medianMs: number) => ({
      n: 1,
      medianMs,
      p95Ms: medianMs,
      p99Ms: medianMs,
      minMs: 0,
      maxMs: 0,
    });
    const text = formatPivot(
      [
        { scenario: "failover", metric: "cut → down", system: "wanpilot", unit: "ms", summary: sum(500) },
        { scenario: "failover", metric: "cut → down", system: "recipe", unit: "ms", summary: sum(5000) },
        { scenario: "failover", metric: "ratio", system: "wanpilot", unit: "ratio", value: 0.1 },
        { scenario: "failover", metric: "failing", system: "kernel", unit: "percent", value: 50 },
        { scenario: "balance", metric: "1:4", system: "wanpilot", unit: "points", value: 1 },
      ],
      "failover",
    );
    const lines = text.split("\n");
    expect(lines[0]).toMatch(/^\| failover \(median \/ p95\) \| wanpilot +\| recipe +\| kernel +\|$/);
    expect(lines).toHaveLength(4);
    expect(lines[2]).toContain("500 ms / 500 ms");
    expect(lines[2]).toContain("5000 ms / 5000 ms");
    expect(lines[3]).toContain("50.0 %");
    expect(text).not.toContain("ratio");
  });
});
