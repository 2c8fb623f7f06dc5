import { inIpv4Prefix, isIpv4, type TrafficRule, type WanpilotConfig } from "@wanpilot/common";
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

/** Whether a rule matches the query; rules on an inbound interface or a source port are never assumed. */
export function ruleMatches(rule: TrafficRule, q: ExplainQuery): boolean {
  if (rule.iif !== undefined || rule.sport !== undefined) return false;
  if (rule.src !== undefined && (q.from === undefined || !inIpv4Prefix(q.from, rule.src))) return false;
  if (rule.dst !== undefined && !inIpv4Prefix(q.destination, rule.dst)) return false;
  if (rule.proto === "tcp" || rule.proto === "udp") if (q.proto !== rule.proto) return false;
  if (rule.proto === "icmp" && q.proto !== undefined) return false;
  return inPorts(q.dport, rule.dport);
}

/** Which link a new flow would take now, and why: first matching rule, else the default route. */
export function explain(config: WanpilotConfig, desired: DesiredState, q: ExplainQuery): Explanation {
  if (!isIpv4(q.destination))
    return { link: null, candidates: [], refused: false, reason: `${q.destination} is not an IPv4 address` };
  for (const view of desired.trafficRules) {
    const rule = config.rules.find((r) => r.name === view.name);
    if (rule === undefined || !ruleMatches(rule, q)) continue;
    if (view.active !== null) {
      const skipped = rule.via.slice(0, rule.via.indexOf(view.active));
      const why = skipped.length > 0 ? ` (${skipped.join(", ")} not live)` : "";
      return {
        link: view.active,
        candidates: [{ link: view.active, share: 1 }],
        refused: false,
        reason: `rule ${rule.name}: via ${view.active}${why}`,
      };
    }
    if (rule.fallback === "refuse")
      return {
        link: null,
        candidates: [],
        refused: true,
        reason: `rule ${rule.name}: no link of ${rule.via.join(", ")} is live; refused`,
      };
    return {
      ...balanced(config, desired),
      reason: `rule ${rule.name}: no link of ${rule.via.join(", ")} is live; ${balanced(config, desired).reason}`,
    };
  }
  return balanced(config, desired);
}

function balanced(config: WanpilotConfig, desired: DesiredState): Explanation {
  const route = desired.defaultRoute;
  if (route.mode === "unreachable" || route.nexthops.length === 0)
    return {
      link: null,
      candidates: [],
      refused: true,
      reason: "every link is down; the default route is unreachable",
    };
  const total = route.nexthops.reduce((s, n) => s + n.weight, 0);
  const candidates = route.nexthops.map((n) => ({ link: n.link, share: n.weight / total }));
  const only = candidates.length === 1 ? (candidates[0]?.link ?? null) : null;
  const tier = `tier ${String(route.tier)}${route.mode === "all-down-keep" ? " (all links down: last routes kept)" : ""}`;
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
    reason: `default route, ${tier}: ${weights}${only === null ? hash : ""}`,
  };
}
