import { type DefaultRoute, type LinkConfig, network6, type WanpilotConfig } from "@wanpilot/common";
import { isLive, selectDefaultRoute } from "./balance.js";
import { balanceRoute, ifSysctl, ipRules } from "./desired.js";
import type { Desired6, LinkInput, LinkView, Marks, NexthopSpec, RouteSpec } from "./model.js";

/**
 * The kernel gives IPv6 routes metric 1024 when none is given; wanpilot writes it, so what it reads back
 * compares equal.
 */
export const METRIC6 = 1024;

/** Links with IPv6 on: the only ones wanpilot routes IPv6 for. */
export function ipv6Links(config: Pick<WanpilotConfig, "links">): LinkConfig[] {
  return config.links.filter((l) => l.ipv6 !== undefined);
}

/**
 * IPv6 sysctls, only when some link has IPv6 on ("not configured" is "untouched"). `accept_ra=2` first on
 * links that learn their gateway: with forwarding on, the kernel otherwise ignores router advertisements.
 */
export function desiredSysctls6(config: WanpilotConfig, hashPolicy: string): Record<string, string> {
  const links = ipv6Links(config);
  if (links.length === 0) return {};
  const out: Record<string, string> = {};
  const conf = (l: LinkConfig, key: string) => ifSysctl(l.interface, key).replace("net.ipv4.", "net.ipv6.");
  for (const l of links) if (l.ipv6?.gateway === undefined) out[conf(l, "accept_ra")] = "2";
  for (const l of links) out[conf(l, "ignore_routes_with_linkdown")] = "1";
  out["net.ipv6.conf.all.forwarding"] = "1";
  out["net.ipv6.fib_multipath_hash_policy"] = hashPolicy;
  if (hashPolicy === "3") out["net.ipv6.fib_multipath_hash_fields"] = "0x0001";
  return out;
}

function linkRoutes6(link: LinkConfig, input: LinkInput): RouteSpec[] {
  const base = { table: link.table, type: "unicast" as const, metric: METRIC6 };
  const direct: NexthopSpec = { gateway: null, dev: link.interface, weight: 1 };
  const routes: RouteSpec[] = [];
  const prefix =
    input.source !== null && input.prefixLength !== null && input.prefixLength < 128
      ? network6(input.source, input.prefixLength)
      : null;
  if (prefix !== null) routes.push({ ...base, dst: prefix, nexthops: [direct], src: input.source });
  routes.push({ ...base, dst: "default", nexthops: [{ ...direct, gateway: input.gateway }], src: null });
  return routes;
}

export interface Desired6Input {
  config: WanpilotConfig;
  inputs: Map<string, LinkInput>;
  /** The IPv6 default route in force before (kept when every IPv6 link is down and `all_down: keep`). */
  last: DefaultRoute | null;
  /** The IPv4 view of every link: its table, mark, override and staleness are the link's, whatever the family. */
  views: LinkView[];
  balanceTable: number;
  slotOf: (l: LinkConfig) => number;
  marks: Marks;
}

/**
 * IPv6's rules, routes and default route: the same tables, priorities and marks as IPv4, but each link's
 * IPv6 verdict decides. An operator's override and a stale prober count for both families.
 */
export function computeDesired6(d: Desired6Input): Desired6 | undefined {
  const links = ipv6Links(d.config);
  if (links.length === 0) return undefined;
  const get = (l: LinkConfig): LinkInput =>
    d.inputs.get(l.name) ?? {
      name: l.name,
      state: "unknown",
      source: null,
      gateway: null,
      prefixLength: null,
    };
  const viewOf = (l: LinkConfig) => d.views.find((v) => v.name === l.name);
  const blocked = (l: LinkConfig) => {
    const v = viewOf(l);
    return (v?.override?.admin ?? null) !== null || v?.demoted === true;
  };
  const states = links.map((link) => ({ link, state: blocked(link) ? ("down" as const) : get(link).state }));
  const defaultRoute = selectDefaultRoute(d.config.balance, states, d.last);
  const inRoute = new Map(defaultRoute.nexthops.map((n) => [n.link, n.weight]));
  const views: LinkView[] = links.map((l) => {
    const v = viewOf(l);
    return {
      name: l.name,
      state: get(l).state,
      table: l.table,
      mark: v?.mark ?? 0,
      active: inRoute.has(l.name),
      weight: inRoute.get(l.name) ?? 0,
      live: (v?.override?.admin ?? null) === null && isLive(get(l).state, d.config.balance.degraded),
      stale: v?.stale ?? false,
      demoted: v?.demoted ?? false,
      override: v?.override ?? null,
    };
  });
  const only = { ...d.config, links };
  return {
    rules: ipRules(only, get, d.balanceTable, d.slotOf, d.marks),
    routes: [
      ...links.flatMap((l) => linkRoutes6(l, get(l))),
      ...balanceRoute(d.balanceTable, defaultRoute, only, d.inputs, [], METRIC6),
    ],
    defaultRoute,
    links: views,
  };
}
