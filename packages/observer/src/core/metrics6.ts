import { latestMeasures, type MetricFamily, type WanpilotConfig } from "@wanpilot/common";
import type { ObserverState } from "./state.js";

const STATES = ["unknown", "up", "degraded", "down"] as const;

const gauge = (
  name: string,
  help: string,
  samples: Array<[Record<string, string>, number]>,
): MetricFamily => ({
  name,
  type: "gauge",
  help,
  samples: samples.map(([labels, value]) => ({ name, labels, value })),
});

/**
 * Pure: the IPv6 families, only when some link has `ipv6` on (every `wanpilot_link_*` family without
 * `ipv6` in its name is IPv4's). Like IPv4's, a link's samples exist only while its prober is online.
 */
export function ipv6Families(config: WanpilotConfig, s: ObserverState): MetricFamily[] {
  const links = config.links.filter((l) => l.ipv6 !== undefined);
  if (links.length === 0) return [];
  const online = (id: string) => s.availability.get(id) === "online";
  const live = links.filter((l) => online(`prober/${l.name}`) && s.links6?.has(l.name) === true);
  const st = (link: string) => s.links6?.get(link);
  // The latest of the periodic IPv6 health and the state (at its last change), as IPv4's.
  const measures = (link: string) => latestMeasures(st(link), s.health6?.get(link));
  const carrying = (link: string) => ["up", "degraded"].includes(st(link)?.state ?? "");
  const routed = online("router") ? (s.router?.ipv6?.links ?? []) : [];
  const L = (link: string) => ({ link });
  const measured = (pick: (link: string) => number | null) =>
    live.flatMap((l): Array<[Record<string, string>, number]> => {
      const v = pick(l.name);
      return v === null ? [] : [[L(l.name), v]];
    });
  return [
    gauge(
      "wanpilot_link_ipv6_up",
      "1 when the link's IPv6 is up or degraded",
      live.map((l) => [L(l.name), carrying(l.name) ? 1 : 0]),
    ),
    gauge(
      "wanpilot_link_ipv6_state",
      "1 for the link's current IPv6 state",
      live.flatMap((l) =>
        STATES.map((state): [Record<string, string>, number] => [
          { link: l.name, state },
          st(l.name)?.state === state ? 1 : 0,
        ]),
      ),
    ),
    gauge(
      "wanpilot_link_ipv6_rtt_seconds",
      "Window mean RTT of the link's IPv6 probes (absent while its IPv6 is down)",
      measured((link) => {
        const rtt = measures(link).rttMs;
        return rtt === null || !carrying(link) ? null : rtt / 1000;
      }),
    ),
    gauge(
      "wanpilot_link_ipv6_loss_ratio",
      "Window loss ratio of the link's IPv6 probes (0..1)",
      measured((link) => measures(link).lossRatio),
    ),
    gauge(
      "wanpilot_link_ipv6_weight",
      "Weight of the link in the IPv6 default route",
      routed.map((r) => [L(r.link), r.weight]),
    ),
    gauge(
      "wanpilot_link_ipv6_active",
      "1 when the link carries new IPv6 connections",
      routed.map((r) => [L(r.link), r.active ? 1 : 0]),
    ),
    gauge(
      "wanpilot_link_ipv6_connections",
      "Tracked IPv6 connections on the link",
      routed.flatMap(
        (r): Array<[Record<string, string>, number]> =>
          r.connections === null ? [] : [[L(r.link), r.connections]],
      ),
    ),
  ];
}
