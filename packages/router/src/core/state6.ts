import {
  isLinkLocal6,
  type LinkConfig,
  type LinkState6,
  type RouterIpv6,
  sameNetwork6,
} from "@wanpilot/common";
import type { DesiredState, LinkInput } from "./model.js";
import type { InterfaceAddress } from "./parse.js";

/**
 * A link's IPv6 facts, resolved like IPv4's (state.ts: linkInput): configured values win; a learned
 * source must be a global address of the link's interface, a learned gateway link-local (it is used with
 * the link's device) or in one of that interface's prefixes.
 */
export function linkInput6(
  link: LinkConfig,
  state: LinkState6 | undefined,
  addresses: InterfaceAddress[] | undefined,
  kernelGateway: string | null = null,
): LinkInput {
  const own = addresses ?? [];
  const learned = state?.source ?? null;
  const source =
    link.ipv6?.source ??
    (learned !== null && own.some((a) => a.local === learned) ? learned : null) ??
    own[0]?.local ??
    null;
  const checked = (g: string | null) =>
    g !== null &&
    (isLinkLocal6(g) || own.some((a) => a.local !== g && sameNetwork6(g, a.local, a.prefixLength)))
      ? g
      : null;
  return {
    name: link.name,
    state: state?.state ?? "unknown",
    source,
    gateway: link.ipv6?.gateway ?? checked(state?.gateway ?? null) ?? checked(kernelGateway),
    prefixLength: own.find((a) => a.local === source)?.prefixLength ?? null,
  };
}

/** The IPv6 half of RouterState; undefined when no link has IPv6 on. */
export function routerIpv6(
  desired: DesiredState,
  connections: Map<number, number> | null,
): RouterIpv6 | undefined {
  const v6 = desired.v6;
  if (v6 === undefined) return undefined;
  return {
    defaultRoute: v6.defaultRoute,
    links: v6.links.map((l) => ({
      link: l.name,
      state: l.state,
      active: l.active,
      weight: l.weight,
      connections: connections === null ? null : (connections.get(l.mark) ?? 0),
    })),
  };
}
