import type { BalanceConfig, DefaultRoute, LinkConfig, LinkStateName, Nexthop } from "@wanpilot/common";

/** A degraded link under `degraded: demote` keeps a quarter of its weight (at least 1). */
export const DEMOTE_DIVISOR = 4;

/** Weight a link gets for new connections in its state, or 0 when it takes none. */
export function effectiveWeight(
  link: Pick<LinkConfig, "weight">,
  state: LinkStateName,
  degraded: BalanceConfig["degraded"],
): number {
  if (state === "up") return link.weight;
  if (state !== "degraded" || degraded === "down") return 0;
  return degraded === "keep" ? link.weight : Math.max(1, Math.floor(link.weight / DEMOTE_DIVISOR));
}

export interface BalanceInput {
  link: Pick<LinkConfig, "name" | "weight" | "tier">;
  state: LinkStateName;
}

/**
 * The default route: live links of the lowest tier that has any, by weight. With none live,
 * `all_down: keep` keeps the last set (or, with no last set, fails open over the lowest tier),
 * `unreachable` refuses at once.
 */
export function selectDefaultRoute(
  balance: Pick<BalanceConfig, "degraded" | "all_down">,
  links: BalanceInput[],
  last: DefaultRoute | null,
): DefaultRoute {
  const live = links
    .map((l) => ({ ...l, weight: effectiveWeight(l.link, l.state, balance.degraded) }))
    .filter((l) => l.weight > 0);
  if (live.length > 0) {
    const tier = Math.min(...live.map((l) => l.link.tier));
    const nexthops: Nexthop[] = live
      .filter((l) => l.link.tier === tier)
      .map((l) => ({ link: l.link.name, weight: l.weight }));
    return { tier, nexthops, mode: "balanced" };
  }
  if (balance.all_down === "unreachable") return { tier: null, nexthops: [], mode: "unreachable" };
  const known = new Set(links.map((l) => l.link.name));
  const kept = (last?.nexthops ?? []).filter((n) => known.has(n.link));
  if (last !== null && kept.length > 0) return { tier: last.tier, nexthops: kept, mode: "all-down-keep" };
  if (links.length === 0) return { tier: null, nexthops: [], mode: "none" };
  const tier = Math.min(...links.map((l) => l.link.tier));
  const nexthops = links
    .filter((l) => l.link.tier === tier)
    .map((l) => ({ link: l.link.name, weight: l.link.weight }));
  return { tier, nexthops, mode: "all-down-keep" };
}

/** Usable for new connections (traffic rules' via lists). */
export function isLive(state: LinkStateName, degraded: BalanceConfig["degraded"]): boolean {
  return state === "up" || (state === "degraded" && degraded !== "down");
}
