import { humanDurationMs, textTable } from "@wanpilot/common";
import { describeOverride, type StatusView } from "./view.js";

const pct = (r: number | null) => (r === null ? "-" : `${(r * 100).toFixed(r < 0.1 && r > 0 ? 1 : 0)}%`);
const ms = (v: number | null) => (v === null ? "-" : `${v < 10 ? v.toFixed(1) : Math.round(v)}ms`);

/** How long ago an ISO time was ("2m30s"), relative to now. */
export function age(iso: string | null, nowMs: number): string {
  return iso === null ? "-" : humanDurationMs(Math.max(0, nowMs - Date.parse(iso)));
}

type LinkView = StatusView["links"][number];
/** What a row shows of one address family: the link's IPv4 view, or its IPv6 part. */
type FamilyView = Pick<
  LinkView,
  "since" | "rttMs" | "lossRatio" | "weight" | "active" | "connections" | "source" | "gateway"
>;

/** One row: the family's own state, weight and connections; tier and override are the link's. */
function row(
  label: string,
  state: string,
  f: FamilyView,
  l: LinkView,
  share: string,
  nowMs: number,
): string[] {
  return [
    label,
    state,
    age(f.since, nowMs),
    ms(f.rttMs),
    pct(f.lossRatio),
    String(f.weight),
    String(l.tier),
    f.active ? "yes" : "no",
    describeOverride(l.override),
    share,
    f.connections === null ? "-" : String(f.connections),
    f.source ?? "-",
    f.gateway ?? "-",
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
    row(
      `${l.name} (${l.interface})`,
      l.stale ? `${l.state.toUpperCase()} (STALE)` : l.state.toUpperCase(),
      l,
      l,
      pct(l.share),
      nowMs,
    ),
    // A link's IPv6 under its IPv4 row.
    ...(l.ipv6 === undefined ? [] : [row("  └ ipv6", l.ipv6.state.toUpperCase(), l.ipv6, l, "-", nowMs)]),
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
