import { describe, expect, it } from "vitest";
import { descendants, parsePssKiB, parseRssKiB, parseStat } from "./proc.js";

describe("parseStat", () => {
  it.each([
    {
      text: "1234 (node) S 1200 1234 1200 0 -1 4194560 1 0 0 0 150 30 7 3 20 0 11 0 100 1000 2000",
      expected: { pid: 1234, ppid: 1200, ticks: 190 },
    },
    {
      text: "77 (a (weird) name) R 1 77 77 0 -1 0 0 0 0 0 5 5 0 0 20 0 1 0 1 1 1",
      expected: { pid: 77, ppid: 1, ticks: 10 },
    },
    { text: "garbage", expected: undefined },
  ])("$text", ({ text, expected }) => {
    expect(parseStat(text)).toEqual(expected);
  });
});

describe("parseRssKiB", () => {
  it.each([
    { status: "Name:\tnode\nVmRSS:\t   61234 kB\nThreads: 11\n", expected: 61234 },
    { status: "Name:\tkthreadd\n", expected: undefined },
  ])("$expected", ({ status, expected }) => {
    expect(parseRssKiB(status)).toBe(expected);
  });
});

describe("parsePssKiB", () => {
  it.each([
    {
      rollup:
        "00400000-7ffe ---p 00000000 00:00 0 [rollup]\nRss:   40360 kB\nPss:   38388 kB\nPss_Dirty:  6328 kB\n",
      expected: 38388,
    },
    { rollup: "Rss: 1 kB\n", expected: undefined },
  ])("$expected", ({ rollup, expected }) => {
    expect(parsePssKiB(rollup)).toBe(expected);
  });
});

describe("descendants", () => {
  it("walks the whole tree below a pid", () => {
    const stats = [
      { pid: 10, ppid: 1, ticks: 0 },
      { pid: 11, ppid: 10, ticks: 0 },
      { pid: 12, ppid: 11, ticks: 0 },
      { pid: 13, ppid: 1, ticks: 0 },
    ];
    expect(descendants(10, stats).sort()).toEqual([10, 11, 12]);
    expect(descendants(13, stats)).toEqual([13]);
  });
});
