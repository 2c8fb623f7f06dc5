import {
  type DefaultRoute,
  inIpv4Prefix,
  inIpv6Prefix,
  isIpv4,
  isIpv6,
  isIpv6Rule,
  type TrafficRule,
  type WanpilotConfig,
} from "@wanpilot/common";
import type { DesiredState } from "./model.js";

export interface ExplainQuery {
  destination: string;
  from?: string;
  proto?: "tcp" | "udp";
  dport?: number;
}

export interface Explanation {
  /** The link a new flow takes; null when refused or when balancing decides among several. */
  link: string | null;
  /** Links balancing may pick, with their share of new flows. */
  candidates: Array<{ link: string; share: number }>;
  refused: boolean;
  reason: string;
}

function inPorts(port: number | undefined, spec: TrafficRule["dport"]): boolean {
  if (spec === undefined) return true;
  if (port === undefined) return false;
  const [lo = 0, hi = lo] = String(spec).split("-").map(Number);
  return port >= lo && port <= hi;
}

type Family = "ipv4" | "ipv6";

const familyOf = (address: string): Family | null =>
  isIpv4(address) ? "ipv4" : isIpv6(address) ? "ipv6" : null;

/** Whether a rule matches the query; rules on an inbound interface or a source port are never assumed. */
export function ruleMatches(rule: TrafficRule, q: ExplainQuery): boolean {
  if (rule.iif !== undefined || rule.sport !== undefined) return false;
  const v6 = familyOf(q.destination) === "ipv6";
  // A rule with addresses is of their family; one without matches both (the nft table is inet).
  if ((rule.src !== undefined || rule.dst !== undefined) && isIpv6Rule(rule) !== v6) return false;
  const inPrefix = (address: string, prefix: string) =>
    v6 ? inIpv6Prefix(address, prefix) : inIpv4Prefix(address, prefix);
  if (rule.src !== undefined && (q.from === undefined || !inPrefix(q.from, rule.src))) return false;
  if (rule.dst !== undefined && !inPrefix(q.destination, rule.dst)) return false;
  if (rule.proto === "tcp" || rule.proto === "udp") if (q.proto !== rule.proto) return false;
  if (rule.proto === "icmp" && q.proto !== undefined) return false;
  return inPorts(q.dport, rule.dport);
}

/**
 * Which link a new flow would take now, and why: first matching rule, else the default route of the
 * destination's family (IPv6's own, failed over on its own, when some link has `ipv6` on).
 */
export function explain(config: WanpilotConfig, desired: DesiredState, q: ExplainQuery): Explanation {
  const family = familyOf(q.destination);
  const none = { link: null, candidates: [], refused: false };
  if (family === null) return { ...none, reason: `${q.destination} is not an IPv4 or IPv6 address` };
  if (q.from !== undefined && familyOf(q.from) !== family)
    return { ...none, reason: `${q.from} and ${q.destination} are not of the same family` };
  const v6 = desired.v6;
  if (family === "ipv6" && v6 === undefined)
    return {
      ...none,
      reason: "no link has ipv6 on: wanpilot leaves IPv6 alone, the host's own routes decide",
    };
  const route = family === "ipv6" && v6 !== undefined ? v6.defaultRoute : desired.defaultRoute;
  const fallback = () => balanced(config, route, family);
  for (const view of desired.trafficRules) {
    const rule = config.rules.find((r) => r.name === view.name);
    if (rule === undefined || !ruleMatches(rule, q)) continue;
    // A rule without addresses has an IPv6 line of its own, following the links' IPv6 state.
    const active = family === "ipv6" && view.active6 !== undefined ? view.active6 : view.active;
    if (active !== null) {
      const skipped = rule.via.slice(0, rule.via.indexOf(active));
      const why = skipped.length > 0 ? ` (${skipped.join(", ")} not live)` : "";
      return {
        link: active,
        candidates: [{ link: active, share: 1 }],
        refused: false,
        reason: `rule ${rule.name}: via ${active}${why}`,
      };
    }
    if (rule.fallback === "refuse")
      return {
        link: null,
        candidates: [],
        refused: true,
        reason: `rule ${rule.name}: no link of ${rule.via.join(", ")} is live; refused`,
      };
    const b = fallback();
    return { ...b, reason: `rule ${rule.name}: no link of ${rule.via.join(", ")} is live; ${b.reason}` };
  }
  return fallback();
}

function balanced(config: WanpilotConfig, route: DefaultRoute, family: Family): Explanation {
  const v6 = family === "ipv6" ? "IPv6 " : "";
  if (route.mode === "unreachable" || route.nexthops.length === 0)
    return {
      link: null,
      candidates: [],
      refused: true,
      reason: `every ${v6}link is down; the ${v6}default route is unreachable`,
    };
  const total = route.nexthops.reduce((s, n) => s + n.weight, 0);
  const candidates = route.nexthops.map((n) => ({ link: n.link, share: n.weight / total }));
  const only = candidates.length === 1 ? (candidates[0]?.link ?? null) : null;
  const tier = `tier ${String(route.tier)}${route.mode === "all-down-keep" ? ` (all ${v6}links down: last routes kept)` : ""}`;
  const weights = route.nexthops.map((n) => `${n.link} weight ${n.weight}`).join(", ");
  const hash =
    config.balance.hash === "host"
      ? "; hash host: each LAN host keeps one of them for all its connections"
      : config.balance.hash === "l3"
        ? "; hash l3: per source/destination pair"
        : "; hash l4: per connection";
  return {
    link: only,
    candidates,
    refused: false,
    reason: `${v6}default route, ${tier}: ${weights}${only === null ? hash : ""}`,
  };
}
