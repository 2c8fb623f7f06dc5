import type { Operation } from "@wanpilot/common";

/** The graph windows the page offers. */
export const HISTORY_WINDOWS = {
  "1h": 3_600_000,
  "24h": 86_400_000,
  "7d": 7 * 86_400_000,
  "30d": 30 * 86_400_000,
};
export type HistoryWindow = keyof typeof HISTORY_WINDOWS;

/** Points per graph: about one per two pixels of a desktop graph, whatever the window. */
export const POINTS_PER_GRAPH = 360;

export function isHistoryWindow(w: string): w is HistoryWindow {
  return Object.hasOwn(HISTORY_WINDOWS, w);
}

/** [since, until) of a window ending now, and the step that downsamples it to POINTS_PER_GRAPH. */
export function historyRange(
  window: HistoryWindow,
  nowMs: number,
): { sinceMs: number; untilMs: number; stepMs: number } {
  const spanMs = HISTORY_WINDOWS[window];
  return { sinceMs: nowMs - spanMs, untilMs: nowMs, stepMs: Math.ceil(spanMs / POINTS_PER_GRAPH) };
}

/** One link's series in uPlot's column shape: seconds, then values (null where nothing was measured). */
export interface Series {
  t: number[];
  rttMs: (number | null)[];
  lossPct: (number | null)[];
}

export interface HistoryLink {
  name: string;
  series: Series;
  availability: number | null;
  downMs: number;
  outages: { start: string; end: string | null; durationMs: number; cause: string }[];
}

export interface RouteChangeView {
  at: string;
  reason: string;
  route: string;
}

export interface HistoryView {
  window: HistoryWindow;
  since: string;
  until: string;
  links: HistoryLink[];
  routeChanges: RouteChangeView[];
  operations: Operation[];
}

/** Points as columns, rounded (the page shows whole milliseconds and tenths of a percent). */
export function toSeries(
  points: readonly { atMs: number; rttMeanMs: number | null; lossRatio: number }[],
): Series {
  return {
    t: points.map((p) => Math.round(p.atMs / 1000)),
    rttMs: points.map((p) => (p.rttMeanMs === null ? null : Math.round(p.rttMeanMs * 10) / 10)),
    lossPct: points.map((p) => Math.round(p.lossRatio * 1000) / 10),
  };
}

/** A default route as one line: "dsl×1 cable×4 (tier 1)". */
export function routeText(route: {
  tier: number | null;
  nexthops: { link: string; weight: number }[];
  mode: string;
}): string {
  if (route.mode !== "balanced" || route.nexthops.length === 0)
    return route.mode === "all-down-keep" ? `every link down, kept ${hops(route.nexthops)}` : route.mode;
  return `${hops(route.nexthops)} (tier ${route.tier ?? "?"})`;
}

const hops = (n: { link: string; weight: number }[]) => n.map((h) => `${h.link}×${h.weight}`).join(" ");
