import { humanDurationMs, textTable } from "@wanpilot/common";
import { describeOverride, type StatusView } from "./view.js";

const pct = (r: number | null) => (r === null ? "-" : `${(r * 100).toFixed(r < 0.1 && r > 0 ? 1 : 0)}%`);
const ms = (v: number | null) => (v === null ? "-" : `${v < 10 ? v.toFixed(1) : Math.round(v)}ms`);

/** How long ago an ISO time was ("2m30s"), relative to now. */
export function age(iso: string | null, nowMs: number): string {
  return iso === null ? "-" : humanDurationMs(Math.max(0, nowMs - Date.parse(iso)));
}

/** A link's IPv6 under its IPv4 row: its own state, weight and connections (tier and override are the link's). */
function ipv6Row(
  v6: NonNullable<StatusView["links"][number]["ipv6"]>,
  l: StatusView["links"][number],
  nowMs: number,
): string[] {
  return [
    "  └ ipv6",
    v6.state.toUpperCase(),
    age(v6.since, nowMs),
    ms(v6.rttMs),
    pct(v6.lossRatio),
    String(v6.weight),
    String(l.tier),
    v6.active ? "yes" : "no",
    describeOverride(l.override),
    "-",
    v6.connections === null ? "-" : String(v6.connections),
    v6.source ?? "-",
    v6.gateway ?? "-",
  ];
}

/** The table a person reads at a glance. */
export function formatStatus(view: StatusView, nowMs: number): string {
  const head = [
    "LINK",
    "STATE",
    "FOR",
    "RTT",
    "LOSS",
    "WEIGHT",
    "TIER",
    "ACTIVE",
    "OVERRIDE",
    "SHARE",
    "CONNS",
    "ADDRESS",
    "GATEWAY",
  ];
  const rows = view.links.flatMap((l) => [
    [
      `${l.name} (${l.interface})`,
      l.stale ? `${l.state.toUpperCase()} (STALE)` : l.state.toUpperCase(),
      age(l.since, nowMs),
      ms(l.rttMs),
      pct(l.lossRatio),
      String(l.weight),
      String(l.tier),
      l.active ? "yes" : "no",
      describeOverride(l.override),
      pct(l.share),
      l.connections === null ? "-" : String(l.connections),
      l.source ?? "-",
      l.gateway ?? "-",
    ],
    ...(l.ipv6 === undefined ? [] : [ipv6Row(l.ipv6, l, nowMs)]),
  ]);
  const route = view.defaultRoute;
  const routeLine =
    route === null
      ? "default route: unknown (router not reporting)"
      : route.nexthops.length === 0
        ? `default route: ${route.mode}`
        : `default route: ${route.nexthops.map((n) => `${n.link}×${n.weight}`).join(" + ")} (tier ${route.tier ?? "-"}, ${route.mode})`;
  const route6 = view.ipv6?.defaultRoute;
  const routeLine6 =
    view.ipv6 === undefined
      ? ""
      : route6 === null || route6 === undefined
        ? "\nIPv6 default route: unknown (router not reporting)"
        : `\nIPv6 default route: ${route6.nexthops.map((n) => `${n.link}×${n.weight}`).join(" + ") || route6.mode} (tier ${route6.tier ?? "-"}, ${route6.mode})`;
  const procs = Object.entries(view.processes)
    .map(([name, p]) => `${name} ${p.availability}${p.restarts ? ` (${p.restarts} restarts)` : ""}`)
    .join(", ");
  const foreign = (view.foreign ?? []).map((f) => `not wanpilot's, left alone: ${f}\n`).join("");
  return `gateway ${view.gateway}\n\n${textTable([head, ...rows]).join("\n")}\n\n${routeLine}${routeLine6}\nprocesses: ${procs}\n${foreign}`;
}
