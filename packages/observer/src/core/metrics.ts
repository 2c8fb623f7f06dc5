import { latestMeasures, type MetricFamily, type MetricSample, type WanpilotConfig } from "@wanpilot/common";
import { ipv6Families } from "./metrics6.js";
import { expectedParts, freshParts, type ObserverState } from "./state.js";

const STATES = ["unknown", "up", "degraded", "down"] as const;
const TO_STATES = ["up", "degraded", "down"] as const;

type Labels = Record<string, string>;
const sample = (name: string, labels: Labels, value: number): MetricSample => ({ name, labels, value });

function family(
  name: string,
  type: MetricFamily["type"],
  help: string,
  samples: MetricSample[],
): MetricFamily {
  return { name, type, help, samples };
}

const g = (name: string, help: string, samples: Array<[Labels, number]>): MetricFamily =>
  family(
    name,
    "gauge",
    help,
    samples.map(([l, v]) => sample(name, l, v)),
  );
const c = (name: string, help: string, samples: Array<[Labels, number]>): MetricFamily =>
  family(
    name,
    "counter",
    help,
    samples.map(([l, v]) => sample(name, l, v)),
  );

/**
 * Pure: the observer's own families from what the bus told it. A link's samples exist only while its
 * prober is online (no frozen values); `wanpilot_link_stale` says which links have none.
 */
export function wanpilotFamilies(
  config: WanpilotConfig,
  s: ObserverState,
  build: { version: string; nodeVersion: string },
  nowMs: number,
): MetricFamily[] {
  const online = (id: string) => s.availability.get(id) === "online";
  const live = config.links.filter((l) => online(`prober/${l.name}`) && s.links.has(l.name));
  const stateOf = (link: string) => s.links.get(link);
  const routerOnline = online("router");
  const routed = routerOnline ? (s.router?.links ?? []) : [];
  const health = (link: string) => {
    const m = latestMeasures(stateOf(link), s.health.get(link));
    return { rttMs: m.rttMs, loss: m.lossRatio };
  };
  const L = (link: string) => ({ link });
  const carrying = (link: string) => ["up", "degraded"].includes(stateOf(link)?.state ?? "");
  const measured = (
    pick: (m: { rttMs: number | null; loss: number | null }, link: string) => number | null,
  ) =>
    live.flatMap((l): Array<[Labels, number]> => {
      const v = pick(health(l.name), l.name);
      return v === null ? [] : [[L(l.name), v]];
    });
  const restarts = (s.supervisor?.processes ?? []).map((p): [Labels, number] => [
    { part: p.name },
    p.restarts,
  ]);
  const fresh = freshParts(s, nowMs);
  return [
    g("wanpilot_build_info", "wanpilot's version (always 1)", [
      [{ version: build.version, nodejs: build.nodeVersion }, 1],
    ]),
    g(
      "wanpilot_link_info",
      "A configured link (always 1)",
      config.links.map((l) => [{ link: l.name, interface: l.interface, tier: String(l.tier) }, 1]),
    ),
    g(
      "wanpilot_link_stale",
      "1 while the link's prober is offline or silent: its link samples are absent",
      config.links.map((l) => [L(l.name), live.includes(l) ? 0 : 1]),
    ),
    g(
      "wanpilot_link_up",
      "1 when the link is up or degraded",
      live.map((l) => [L(l.name), carrying(l.name) ? 1 : 0]),
    ),
    g(
      "wanpilot_link_state",
      "1 for the link's current state",
      live.flatMap((l) =>
        STATES.map((st): [Labels, number] => [
          { link: l.name, state: st },
          stateOf(l.name)?.state === st ? 1 : 0,
        ]),
      ),
    ),
    g(
      "wanpilot_link_rtt_seconds",
      "Window mean round-trip time of the link's probes (absent while the link is down)",
      measured((m, link) => (m.rttMs === null || !carrying(link) ? null : m.rttMs / 1000)),
    ),
    g(
      "wanpilot_link_loss_ratio",
      "Window loss ratio of the link's probes (0..1)",
      measured((m) => m.loss),
    ),
    g(
      "wanpilot_link_last_change_timestamp_seconds",
      "Unix time of the link's last state change",
      live.map((l) => [L(l.name), Date.parse(stateOf(l.name)?.since ?? "") / 1000]),
    ),
    g(
      "wanpilot_link_weight",
      "Weight of the link in the default route",
      routed.map((r) => [L(r.link), r.weight]),
    ),
    g(
      "wanpilot_link_active",
      "1 when the link carries new connections",
      routed.map((r) => [L(r.link), r.active ? 1 : 0]),
    ),
    g(
      "wanpilot_link_override",
      "1 for each operator override in force (kind: drain, disable, weight, tier)",
      routed.flatMap((r): Array<[Labels, number]> => {
        const o = r.override;
        const kinds: Array<[string, boolean]> = [
          ["drain", o?.admin === "drain"],
          ["disable", o?.admin === "disable"],
          ["weight", o?.weight != null],
          ["tier", o?.tier != null],
        ];
        return kinds.map(([kind, on]) => [{ ...L(r.link), kind }, on ? 1 : 0]);
      }),
    ),
    g(
      "wanpilot_link_connections",
      "Tracked connections on the link",
      routed.flatMap(
        (r): Array<[Labels, number]> => (r.connections === null ? [] : [[L(r.link), r.connections]]),
      ),
    ),
    c(
      "wanpilot_link_transitions_total",
      "Link state changes seen by the observer, by new state",
      config.links.flatMap((l) =>
        TO_STATES.map((to): [Labels, number] => [
          { link: l.name, to },
          s.counters.transitions.get(`${l.name}\u0000${to}`) ?? 0,
        ]),
      ),
    ),
    c("wanpilot_route_changes_total", "Changes of the kernel's routing seen by the observer", [
      [{}, s.counters.routeChanges],
    ]),
    c(
      "wanpilot_connections_flushed_total",
      "Connections of a dead link flushed by the router",
      config.links.map((l) => [L(l.name), s.counters.flushed.get(l.name) ?? 0]),
    ),
    c("wanpilot_part_restarts_total", "Restarts of the part by `wanpilot start`", restarts),
    g(
      "wanpilot_part_up",
      "1 when the part says it is online",
      expectedParts(config).map((id) => [{ part: id }, online(id) ? 1 : 0]),
    ),
    g(
      "wanpilot_part_metrics_fresh",
      "1 when the part's own metrics (process, probes) are recent enough to be served",
      expectedParts(config).map((id) => [{ part: id }, fresh.some(([p]) => p === id) ? 1 : 0]),
    ),
    ...ipv6Families(config, s),
  ];
}
