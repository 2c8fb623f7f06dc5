import {
  type LinkConfig,
  type ProbeTarget,
  redactUrl,
  type TrafficRule,
  type WanpilotConfig,
} from "@wanpilot/common";

/** Durations as a person writes them in the config file. */
export function formatMs(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

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
    `    probe ${p.targets.map(formatTarget).join(", ")} every ${formatMs(p.interval)} ` +
      `(timeout ${formatMs(p.timeout_min)}..${formatMs(p.timeout)} from the RTT, ${p.reliability} must answer; down after ${p.down} bad rounds, ` +
      `up after ${p.up} good; degraded at ${formatMs(p.degraded.rtt)} rtt or ${Math.round(p.degraded.loss * 100)}% loss)`,
  ];
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
