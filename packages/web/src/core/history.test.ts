import { describe, expect, it } from "vitest";
import { historyRange, isHistoryWindow, POINTS_PER_GRAPH, routeText, toSeries } from "./history.js";

describe("history windows", () => {
  it("downsample every window to the same number of points", () => {
    for (const w of ["1h", "24h", "7d", "30d"]) {
      if (!isHistoryWindow(w)) throw new Error(w);
      const r = historyRange(w, 1_000_000_000_000);
      expect(Math.ceil((r.untilMs - r.sinceMs) / r.stepMs)).toBe(POINTS_PER_GRAPH);
    }
    expect(historyRange("24h", 86_400_000)).toEqual({ sinceMs: 0, untilMs: 86_400_000, stepMs: 240_000 });
    expect(isHistoryWindow("2h")).toBe(false);
    expect(isHistoryWindow("constructor")).toBe(false);
  });

  it("turns points into uPlot's columns: seconds, RTT in tenths of a ms, loss in percent", () => {
    expect(
      toSeries([
        { atMs: 1000, rttMeanMs: 12.345, lossRatio: 0.1234 },
        { atMs: 11_000, rttMeanMs: null, lossRatio: 1 },
      ]),
    ).toEqual({ t: [1, 11], rttMs: [12.3, null], lossPct: [12.3, 100] });
  });

  it("writes a default route as one line", () => {
    const hops = [
      { link: "dsl", weight: 1 },
      { link: "cable", weight: 4 },
    ];
    expect(routeText({ tier: 1, nexthops: hops, mode: "balanced" })).toBe("dsl×1 cable×4 (tier 1)");
    expect(routeText({ tier: null, nexthops: hops, mode: "all-down-keep" })).toBe(
      "every link down, kept dsl×1 cable×4",
    );
    expect(routeText({ tier: null, nexthops: [], mode: "unreachable" })).toBe("unreachable");
  });
});
