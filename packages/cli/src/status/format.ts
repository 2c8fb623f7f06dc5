import { describeOverride, type StatusView } from "./view.js";

const pct = (r: number | null) => (r === null ? "-" : `${(r * 100).toFixed(r < 0.1 && r > 0 ? 1 : 0)}%`);
const ms = (v: number | null) => (v === null ? "-" : `${v < 10 ? v.toFixed(1) : Math.round(v)}ms`);

/** "3m12s ago"-style age of an ISO time relative to now. */
export function age(iso: string | null, nowMs: number): string {
  if (iso === null) return "-";
  let s = Math.max(0, Math.round((nowMs - Date.parse(iso)) / 1000));
  const parts: string[] = [];
  for (const [unit, size] of [
    ["d", 86400],
    ["h", 3600],
    ["m", 60],
  ] as const) {
    if (s >= size) {
      parts.push(`${Math.floor(s / size)}${unit}`);
      s %= size;
    }
  }
  if (parts.length === 0 || (parts.length < 2 && s > 0)) parts.push(`${s}s`);
  return parts.slice(0, 2).join("");
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
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
  return `gateway ${view.gateway}\n\n${table([head, ...rows])}\n\n${routeLine}${routeLine6}\nprocesses: ${procs}\n${foreign}`;
}
