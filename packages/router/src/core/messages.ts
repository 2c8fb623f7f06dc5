import type { DefaultRoute, RouteChange, RouterState } from "@wanpilot/common";
import type { DesiredState } from "./model.js";
import { routerIpv6 } from "./state6.js";

// The router's bus messages (RouterState, RouteChange), built from the desired state.

/** What changed between two desired states that a user would call a routing change; null when nothing. */
export function describeChange(prev: DesiredState | null, next: DesiredState): string | null {
  const parts: string[] = [];
  const route = (d: DefaultRoute) => `${d.mode}:${d.nexthops.map((n) => `${n.link}*${n.weight}`).join(",")}`;
  if (prev === null || route(prev.defaultRoute) !== route(next.defaultRoute))
    parts.push(
      `default route ${next.defaultRoute.mode} via ${next.defaultRoute.nexthops.map((n) => `${n.link}(${n.weight})`).join(" ") || "nothing"}`,
    );
  const v6 = next.v6?.defaultRoute;
  if (v6 !== undefined && (prev?.v6 === undefined || route(prev.v6.defaultRoute) !== route(v6)))
    parts.push(
      `IPv6 default route ${v6.mode} via ${v6.nexthops.map((n) => `${n.link}(${n.weight})`).join(" ") || "nothing"}`,
    );
  for (const r of next.trafficRules) {
    const before = prev?.trafficRules.find((p) => p.name === r.name);
    if (prev !== null && before?.active !== r.active)
      parts.push(`rule ${r.name} via ${r.active ?? r.fallback}`);
    if (prev !== null && r.active6 !== undefined && before?.active6 !== r.active6)
      parts.push(`rule ${r.name} IPv6 via ${r.active6 ?? r.fallback}`);
  }
  return parts.length === 0 ? null : parts.join("; ");
}

export function routerState(
  desired: DesiredState,
  at: string,
  connections: Map<number, number> | null,
  lastChange: RouterState["lastChange"],
  foreign: string[] = [],
  connections6: Map<number, number> | null = null,
): RouterState {
  const ipv6 = routerIpv6(desired, connections6);
  return {
    ...(ipv6 === undefined ? {} : { ipv6 }),
    ...(foreign.length === 0 ? {} : { foreign: foreign.slice(0, 200) }),
    at,
    defaultRoute: desired.defaultRoute,
    links: desired.links.map((l) => ({
      link: l.name,
      state: l.state,
      table: l.table,
      active: l.active,
      weight: l.weight,
      connections: connections === null ? null : (connections.get(l.mark) ?? 0),
      stale: l.stale,
      override: l.override,
    })),
    rules: desired.trafficRules.map((r) => ({
      name: r.name,
      via: r.via,
      active: r.active,
      ...(r.active6 === undefined ? {} : { active6: r.active6 }),
    })),
    lastChange,
  };
}

export function routeChange(
  id: string,
  at: string,
  reason: string,
  desired: DesiredState,
  flushed: Array<RouteChange["flushed"][number] & { family?: "ipv6" }>,
): RouteChange {
  const of = (v6: boolean) =>
    flushed
      .filter((f) => (f.family === "ipv6") === v6)
      .map(({ link, connections }) => ({ link, connections }));
  const ipv6 =
    desired.v6 === undefined ? {} : { ipv6: { defaultRoute: desired.v6.defaultRoute, flushed: of(true) } };
  return {
    id,
    at,
    reason: reason.slice(0, 500),
    defaultRoute: desired.defaultRoute,
    flushed: of(false),
    ...ipv6,
  };
}
