import {
  type DefaultRoute,
  type LinkHealth,
  type LinkState6,
  latestMeasures,
  type RouterState,
  type WanpilotConfig,
} from "@wanpilot/common";

/** One link's IPv6, as status shows it (links with `ipv6` on); every other field of StatusLink is IPv4's. */
export interface StatusLink6 {
  state: LinkState6["state"];
  since: string | null;
  cause: string | null;
  rttMs: number | null;
  lossRatio: number | null;
  weight: number;
  active: boolean;
  /** Tracked IPv6 connections on this link; null when unknown. */
  connections: number | null;
  source: string | null;
  gateway: string | null;
}

/**
 * The IPv6 part of each link, by name (links without IPv6 are absent), and IPv6's default route. RTT and
 * loss are the latest of the IPv6 health (periodic) and the IPv6 state (at its last change).
 */
export function statusIpv6(
  config: WanpilotConfig,
  states: ReadonlyMap<string, LinkState6>,
  router: RouterState | undefined,
  health: ReadonlyMap<string, LinkHealth> = new Map(),
): { links: Map<string, StatusLink6>; defaultRoute: DefaultRoute | null } | undefined {
  const v6links = config.links.filter((l) => l.ipv6 !== undefined);
  if (v6links.length === 0) return undefined;
  const routed = new Map((router?.ipv6?.links ?? []).map((l) => [l.link, l]));
  const links = new Map(
    v6links.map((cfg): [string, StatusLink6] => {
      const st = states.get(cfg.name);
      const r = routed.get(cfg.name);
      const m = latestMeasures(st, health.get(cfg.name));
      return [
        cfg.name,
        {
          state: st?.state ?? "unknown",
          since: st?.since ?? null,
          cause: st?.cause ?? null,
          rttMs: m.rttMs,
          lossRatio: m.lossRatio,
          weight: r?.weight ?? cfg.weight,
          active: r?.active ?? false,
          connections: r?.connections ?? null,
          source: st?.source ?? cfg.ipv6?.source ?? null,
          gateway: st?.gateway ?? cfg.ipv6?.gateway ?? null,
        },
      ];
    }),
  );
  return { links, defaultRoute: router?.ipv6?.defaultRoute ?? null };
}
