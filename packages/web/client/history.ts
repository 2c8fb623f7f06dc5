import uPlot from "uplot";
import type { HistoryLink, HistoryView } from "../src/core/history.js";
import { duration, h, percent, time } from "./dom.js";

const COLORS = ["#2563eb", "#16a34a", "#d97706", "#db2777", "#7c3aed", "#0891b2", "#65a30d", "#dc2626"];

/** All links' series on one time axis (uPlot wants aligned columns): each link's points at the union of times. */
function aligned(links: HistoryLink[], pick: (l: HistoryLink) => (number | null)[]): uPlot.AlignedData {
  const times = [...new Set(links.flatMap((l) => l.series.t))].sort((a, b) => a - b);
  const index = new Map(times.map((t, i) => [t, i]));
  const columns = links.map((l) => {
    const col: (number | null)[] = times.map(() => null);
    const values = pick(l);
    l.series.t.forEach((t, i) => {
      col[index.get(t) ?? 0] = values[i] ?? null;
    });
    return col;
  });
  return [times, ...columns] as uPlot.AlignedData;
}

const charts = new Map<string, uPlot>();

function chart(id: string, title: string, unit: string, view: HistoryView, data: uPlot.AlignedData): void {
  const { links } = view;
  const host = document.getElementById(id);
  if (host === null) return;
  charts.get(id)?.destroy();
  const width = Math.max(280, host.clientWidth);
  const opts: uPlot.Options = {
    title,
    width,
    height: width < 500 ? 180 : 220,
    // The whole window, however little of it has samples.
    scales: {
      x: { time: true, range: () => [Date.parse(view.since) / 1000, Date.parse(view.until) / 1000] },
      y: { range: (_u, min, max) => [0, Math.max(max, min + 1)] },
    },
    axes: [{}, { label: unit, size: 50 }],
    series: [
      {},
      ...links.map((l, i) => ({
        label: l.name,
        stroke: COLORS[i % COLORS.length] ?? "#000",
        width: 1.5,
        spanGaps: false,
        value: (_u: uPlot, v: number | null) => (v === null ? "–" : `${v} ${unit}`),
      })),
    ],
  };
  host.replaceChildren();
  host.dataset.points = String(data[0].length);
  charts.set(id, new uPlot(opts, data, host));
}

function outageBar(l: HistoryLink, sinceMs: number, untilMs: number): HTMLElement {
  const span = untilMs - sinceMs;
  const bar = h("div", { class: "bar", "data-link": l.name });
  for (const o of l.outages) {
    const start = Math.max(Date.parse(o.start), sinceMs);
    const end = o.end === null ? untilMs : Math.min(Date.parse(o.end), untilMs);
    const seg = h("span", {
      class: "down",
      title: `${time(o.start)}: ${o.cause} (${duration(o.durationMs)})`,
    });
    // CSSOM properties, not a style attribute: the page's CSP allows no inline styles.
    seg.style.left = `${((start - sinceMs) / span) * 100}%`;
    seg.style.width = `${Math.max(0.3, ((end - start) / span) * 100)}%`;
    bar.append(seg);
  }
  return bar;
}

function list(items: HTMLElement[], empty: string): HTMLElement {
  return items.length === 0 ? h("p", { class: "empty" }, empty) : h("ul", { class: "events" }, ...items);
}

/** Graphs, availability, the outage timeline, route changes and operator actions of one window. */
export function renderHistory(view: HistoryView): void {
  const { links } = view;
  chart(
    "rtt-chart",
    "Round-trip time",
    "ms",
    view,
    aligned(links, (l) => l.series.rttMs),
  );
  chart(
    "loss-chart",
    "Packet loss",
    "%",
    view,
    aligned(links, (l) => l.series.lossPct),
  );
  const sinceMs = Date.parse(view.since);
  const untilMs = Date.parse(view.until);
  document
    .getElementById("timeline")
    ?.replaceChildren(
      ...links.map((l) =>
        h(
          "div",
          { class: "row" },
          h("span", { class: "name" }, l.name),
          outageBar(l, sinceMs, untilMs),
          h("span", { class: "avail", "data-availability": l.name }, percent(l.availability, 2)),
        ),
      ),
    );
  const outages = links
    .flatMap((l) => l.outages.map((o) => ({ link: l.name, ...o })))
    .sort((a, b) => Date.parse(b.start) - Date.parse(a.start))
    .slice(0, 50);
  document.getElementById("outages")?.replaceChildren(
    list(
      outages.map((o) =>
        h(
          "li",
          { "data-outage": o.link },
          h("b", {}, o.link),
          ` down ${time(o.start)} for ${duration(o.durationMs)}${o.end === null ? " (still down)" : ""}: `,
          h("span", { class: "cause" }, o.cause),
        ),
      ),
      "No outage in this window.",
    ),
  );
  document.getElementById("route-changes")?.replaceChildren(
    list(
      view.routeChanges
        .slice(-50)
        .reverse()
        .map((r) =>
          h("li", {}, h("time", {}, time(r.at)), ` ${r.route}: `, h("span", { class: "cause" }, r.reason)),
        ),
      "No route change in this window.",
    ),
  );
  document.getElementById("operations")?.replaceChildren(
    list(
      view.operations
        .slice(-50)
        .reverse()
        .map((o) =>
          h(
            "li",
            { class: o.result },
            h("time", {}, time(o.at)),
            ` ${o.by}: ${o.action}${o.link === null ? "" : ` ${o.link}`}${o.value === null ? "" : ` ${o.value}`} — ${o.result}: `,
            h("span", { class: "cause" }, o.reason),
          ),
        ),
      "No operator action in this window.",
    ),
  );
}

/** Graphs follow the page's width (a phone turned, a window resized). */
export function resizeCharts(): void {
  for (const [id, c] of charts) {
    const host = document.getElementById(id);
    if (host !== null) c.setSize({ width: Math.max(280, host.clientWidth), height: c.height });
  }
}
