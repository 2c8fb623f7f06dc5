import type { DefaultRoute, LinkState, RouteChange, RouterState, WanpilotConfig } from "@wanpilot/common";
import type { DesiredState, LinkInput, ObservedState } from "./model.js";

/** The default route found in the balance table at start, as links (adopted as "the last set"). */
export function adoptDefaultRoute(
  config: WanpilotConfig,
  observed: ObservedState,
  balanceTable: number,
): DefaultRoute | null {
  const route = observed.routes.find(
    (r) => r.table === balanceTable && r.dst === "default" && r.metric === 0,
  );
  if (route === undefined) return null;
  if (route.type === "unreachable") return { tier: null, nexthops: [], mode: "unreachable" };
  const nexthops = route.nexthops.flatMap((n) => {
    const link = config.links.find((l) => l.interface === n.dev);
    return link === undefined ? [] : [{ link: link.name, weight: Math.max(1, Math.min(256, n.weight)) }];
  });
  if (nexthops.length === 0) return null;
  const tiers = nexthops.map((n) => config.links.find((l) => l.name === n.link)?.tier ?? 1);
  return { tier: Math.min(...tiers), nexthops, mode: "balanced" };
}

/** The next hop of a table's default route, when it has exactly one. */
export function tableGateway(observed: ObservedState | null, table: number): string | null {
  const r = observed?.routes.find((x) => x.table === table && x.dst === "default" && x.metric === 0);
  return r?.nexthops.length === 1 ? (r.nexthops[0]?.gateway ?? null) : null;
}

/** A link's facts from its prober's state, falling back to the config and the interface's address. */
export function linkInput(
  config: WanpilotConfig,
  name: string,
  state: LinkState | undefined,
  address: { local: string; prefixLength: number } | undefined,
  /** The gateway of the link table's default route in the kernel: adopted until a state tells otherwise. */
  kernelGateway: string | null = null,
): LinkInput {
  const link = config.links.find((l) => l.name === name);
  const source = state?.source ?? link?.source ?? address?.local ?? null;
  return {
    name,
    state: state?.state ?? "unknown",
    source,
    gateway: state?.gateway ?? link?.gateway ?? kernelGateway,
    prefixLength: address !== undefined && address.local === source ? address.prefixLength : null,
  };
}

/** What changed between two desired states that a user would call a routing change; null when nothing. */
export function describeChange(prev: DesiredState | null, next: DesiredState): string | null {
  const parts: string[] = [];
  const route = (d: DefaultRoute) => `${d.mode}:${d.nexthops.map((n) => `${n.link}*${n.weight}`).join(",")}`;
  if (prev === null || route(prev.defaultRoute) !== route(next.defaultRoute))
    parts.push(
      `default route ${next.defaultRoute.mode} via ${next.defaultRoute.nexthops.map((n) => `${n.link}(${n.weight})`).join(" ") || "nothing"}`,
    );
  for (const r of next.trafficRules) {
    const before = prev?.trafficRules.find((p) => p.name === r.name)?.active;
    if (prev !== null && before !== r.active) parts.push(`rule ${r.name} via ${r.active ?? r.fallback}`);
  }
  return parts.length === 0 ? null : parts.join("; ");
}

export function routerState(
  desired: DesiredState,
  at: string,
  connections: Map<number, number> | null,
  lastChange: RouterState["lastChange"],
): RouterState {
  return {
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
    })),
    rules: desired.trafficRules.map((r) => ({ name: r.name, via: r.via, active: r.active })),
    lastChange,
  };
}

export function routeChange(
  id: string,
  at: string,
  reason: string,
  desired: DesiredState,
  flushed: RouteChange["flushed"],
): RouteChange {
  return { id, at, reason: reason.slice(0, 500), defaultRoute: desired.defaultRoute, flushed };
}
