import {
  type DefaultRoute,
  ipv4Network,
  type LinkConfig,
  type LinkState,
  linkAddresses,
  type WanpilotConfig,
} from "@wanpilot/common";
import type { LinkInput, ObservedState } from "./model.js";
import type { InterfaceAddress } from "./parse.js";

/** The default route found in the balance table at start, as links (adopted as "the last set"). */
export function adoptDefaultRoute(
  config: WanpilotConfig,
  observed: ObservedState,
  balanceTable: number,
  family: 4 | 6 = 4,
): DefaultRoute | null {
  const route = familyRoutes(observed, family).find(
    (r) => r.table === balanceTable && r.dst === "default" && r.metric === familyMetric(family),
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

/** wanpilot's own routes of one family, and the metric it writes them with (IPv6: the kernel's 1024). */
const familyRoutes = (observed: ObservedState | null, family: 4 | 6) =>
  (family === 4 ? observed?.routes : observed?.v6?.routes) ?? [];
const familyMetric = (family: 4 | 6) => (family === 4 ? 0 : 1024);

/** The next hop of a table's default route, when it has exactly one. */
export function tableGateway(
  observed: ObservedState | null,
  table: number,
  family: 4 | 6 = 4,
): string | null {
  const r = familyRoutes(observed, family).find(
    (x) => x.table === table && x.dst === "default" && x.metric === familyMetric(family),
  );
  return r?.nexthops.length === 1 ? (r.nexthops[0]?.gateway ?? null) : null;
}

/**
 * A link's facts for the router: configured values always win (`linkAddresses`, shared with every reader); a
 * learned one from the prober's state (the bus) is taken only when the router's own read of the link's
 * interface agrees: the source is an address of that interface, the gateway is on-link there or its peer.
 * Otherwise the interface's own address, and the gateway of the link table's default route that wanpilot wrote
 * (adopted until a state tells otherwise). A forged state can say up or down, nothing else.
 */
export function linkInput(
  link: LinkConfig,
  state: LinkState | undefined,
  addresses: InterfaceAddress[] | undefined,
  kernelGateway: string | null = null,
): LinkInput {
  const own = addresses ?? [];
  const a = linkAddresses(link, state);
  const ours = (s: string | null) => (s !== null && own.some((x) => x.local === s) ? s : null);
  const source = a.configured.source ? a.source : (ours(a.source) ?? own[0]?.local ?? null);
  // The table's gateway is checked too: after a reorder a table may still hold another link's route.
  const checked = (g: string | null) => (g !== null && onLink(g, own) ? g : null);
  const gateway = a.configured.gateway ? a.gateway : (checked(a.gateway) ?? checked(kernelGateway));
  return {
    name: link.name,
    state: state?.state ?? "unknown",
    source,
    gateway,
    prefixLength: own.find((x) => x.local === source)?.prefixLength ?? null,
  };
}

/** A next hop the interface can reach directly: its point-to-point peer, or in one of its networks. */
export function onLink(gateway: string, addresses: InterfaceAddress[]): boolean {
  return addresses.some(
    (a) =>
      a.peer === gateway ||
      (a.peer === null &&
        a.prefixLength < 32 &&
        a.local !== gateway &&
        ipv4Network(gateway, a.prefixLength) === ipv4Network(a.local, a.prefixLength)),
  );
}
