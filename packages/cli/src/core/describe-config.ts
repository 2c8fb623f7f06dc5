import {
  formatDurationMs,
  type LinkConfig,
  type ProbeTarget,
  redactUrl,
  type TrafficRule,
  type WanpilotConfig,
} from "@wanpilot/common";
import { formatBytes, monthlyProbeBytes } from "./probe-traffic.js";

function formatTarget(t: ProbeTarget): string {
  if (t.method === "icmp") return t.host;
  if (t.method === "http" || t.method === "https") return `${t.method} ${t.url ?? t.host}`;
  return `${t.method} ${t.host}${t.port === undefined ? "" : `:${t.port}`}`;
}

function describeLink(l: LinkConfig): string[] {
  const p = l.probe;
  const addr = [
    l.gateway === undefined ? "gateway learned" : `gateway ${l.gateway}`,
    l.source === undefined ? "source learned" : `source ${l.source}`,
  ].join(", ");
  return [
    `  ${l.name}: interface ${l.interface}, table ${l.table}, tier ${l.tier}, weight ${l.weight}` +
      `${l.masquerade ? ", masquerade" : ""}`,
    `    ${addr}`,
    `    probe ${p.targets.map(formatTarget).join(", ")} every ${formatDurationMs(p.interval)} ` +
      `(timeout ${formatDurationMs(p.timeout_min)}..${formatDurationMs(p.timeout)} from the RTT, ${p.reliability} must answer; down after ${p.down} bad rounds, ` +
      `up after ${p.up} good; degraded at ${formatDurationMs(p.degraded.rtt)} rtt or ${Math.round(p.degraded.loss * 100)}% loss)`,
    ...describeIpv6(l),
    describeTraffic(l),
  ];
}

/** A link's IPv6, when on: its addresses, targets and how the LAN's IPv6 leaves it. */
function describeIpv6(l: LinkConfig): string[] {
  const v6 = l.ipv6;
  if (v6 === undefined) return [];
  const nat = !l.masquerade
    ? "no nat66"
    : v6.npt === undefined
      ? "nat66 masquerade"
      : `nat66 NPTv6 ${v6.npt.lan} ↔ ${v6.npt.prefix}`;
  return [
    `    ipv6: gateway ${v6.gateway ?? "learned"}, source ${v6.source ?? "learned"}, ${nat}`,
    `    ipv6 probe ${v6.targets.map(formatTarget).join(", ")}`,
  ];
}

function describeTraffic(l: LinkConfig): string {
  const bytes = monthlyProbeBytes(l);
  const full = `    probe traffic ≈ ${formatBytes(bytes.full)}/month at full rate`;
  return l.probe.standby_interval === l.probe.interval
    ? `${full} (no standby rate)`
    : `${full}, ${formatBytes(bytes.standby)}/month on standby (every ${formatDurationMs(l.probe.standby_interval)})`;
}

function describeRule(r: TrafficRule): string {
  const match = [
    r.proto === "any" ? undefined : r.proto,
    r.src === undefined ? undefined : `from ${r.src}`,
    r.dst === undefined ? undefined : `to ${r.dst}`,
    r.sport === undefined ? undefined : `sport ${r.sport}`,
    r.dport === undefined ? undefined : `dport ${r.dport}`,
    r.iif === undefined ? undefined : `in ${r.iif}`,
  ].filter((s) => s !== undefined);
  return `  ${r.name}: ${match.length === 0 ? "all traffic" : match.join(" ")} via ${r.via.join(" > ")} (else ${r.fallback})`;
}

function describeTiers(links: LinkConfig[]): string[] {
  const tiers = [...new Set(links.map((l) => l.tier))].sort((a, b) => a - b);
  return tiers.map((t) => {
    const members = links.filter((l) => l.tier === t);
    const total = members.reduce((s, l) => s + l.weight, 0);
    const shares = members.map((l) => `${l.name} ${Math.round((l.weight / total) * 100)}%`);
    return `  tier ${t}: ${shares.join(", ")}`;
  });
}

function describeBus(cfg: WanpilotConfig): string[] {
  const b = cfg.bus;
  const where =
    b.url === undefined
      ? `embedded broker on ${b.listen}, anonymous read: ${b.anonymous}`
      : `external broker ${redactUrl(b.url)}${b.credentials_dir === undefined ? ", no credentials (loopback)" : `, each part's password in ${b.credentials_dir}`}${b.tls === undefined ? "" : ", TLS"}`;
  const user = b.username === undefined ? "" : `, user ${b.username} (password in ${b.password_file ?? "?"})`;
  return [`  ${where}${user}`, `  runtime dir ${cfg.runtime_dir}`];
}

/** What `wanpilot start` would set up, as lines for `check-config`. Pure: config in, text out. */
export function describeConfig(cfg: WanpilotConfig): string[] {
  const bal = cfg.balance;
  return [
    `gateway ${cfg.gateway}: configuration is valid`,
    `links (${cfg.links.length}):`,
    ...cfg.links.flatMap(describeLink),
    "tiers (lower carries traffic; a higher tier only when all lower ones are down):",
    ...describeTiers(cfg.links),
    `balance: hash ${bal.hash}, sticky ${bal.sticky}, flush_on_down ${bal.flush_on_down}, all_down ${bal.all_down}, degraded ${bal.degraded}`,
    `rules (${cfg.rules.length}):`,
    ...(cfg.rules.length === 0 ? ["  none"] : cfg.rules.map(describeRule)),
    "bus:",
    ...describeBus(cfg),
    `logger: database ${cfg.logger.database}`,
  ];
}
