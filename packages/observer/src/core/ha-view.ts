import {
  type HaGatewayView,
  type HaLinkView,
  type HaLinkView6,
  type LinkConfig,
  type LinkHealth,
  type LinkState,
  type LinkState6,
  latestMeasures,
  type RouterState,
} from "@wanpilot/common";

/** Numeric sensors are republished at most this often unless they moved meaningfully. */
export const HA_NUMBERS_EVERY_MS = 30_000;
/** A meaningful move: RTT by this share of its last value (and at least HA_RTT_MIN_MS), percentages by HA_PERCENT_STEP points. */
export const HA_RTT_SHARE = 0.25;
export const HA_RTT_MIN_MS = 5;
export const HA_PERCENT_STEP = 5;

export interface LinkInputs {
  config: LinkConfig;
  state: LinkState | undefined;
  health: LinkHealth | undefined;
  router: RouterState | undefined;
  /** The link's IPv6 state (`link/<name>/ipv6/state`); only read when the link has `ipv6` on. */
  state6?: LinkState6 | undefined;
  /** The link's last IPv6 health (`link/<name>/ipv6/health`): IPv6's current RTT and loss. */
  health6?: LinkHealth | undefined;
  proberOnline: boolean;
  routerOnline: boolean;
}

const round1 = (v: number): number => Math.round(v * 10) / 10;

/** Pure: what Home Assistant shows of one link. Numbers are null unless the link is up or degraded now. */
export function haLinkView(i: LinkInputs): HaLinkView {
  const state = i.proberOnline ? (i.state?.state ?? "unknown") : "unknown";
  const live = state === "up" || state === "degraded";
  const { rttMs, lossRatio: loss } = latestMeasures(i.state, i.health);
  const routed = i.routerOnline ? i.router?.links.find((l) => l.link === i.config.name) : undefined;
  const total = i.routerOnline
    ? (i.router?.links ?? []).reduce((sum, l) => sum + (l.connections ?? 0), 0)
    : 0;
  const conns = routed?.connections ?? null;
  return {
    link: i.config.name,
    state,
    connected: live,
    rttMs: live && rttMs !== null ? round1(rttMs) : null,
    lossPercent: live && loss !== null ? round1(loss * 100) : null,
    sharePercent: live && conns !== null && total > 0 ? round1((conns / total) * 100) : null,
    active: routed?.active ?? false,
    weight: live ? (routed?.weight ?? i.config.weight) : null,
    ...(i.config.ipv6 === undefined ? {} : { ipv6: haLinkView6(i) }),
  };
}

/** Pure: the IPv6 part of a link with `ipv6` on, from its LinkState6 and IPv6 health and the router's IPv6 half. */
function haLinkView6(i: LinkInputs): HaLinkView6 {
  const state = i.proberOnline ? (i.state6?.state ?? "unknown") : "unknown";
  const live = state === "up" || state === "degraded";
  const routed = i.routerOnline ? i.router?.ipv6?.links.find((l) => l.link === i.config.name) : undefined;
  const { rttMs, lossRatio: loss } = latestMeasures(i.state6, i.health6);
  return {
    state,
    active: routed?.active ?? false,
    rttMs: live && rttMs !== null ? round1(rttMs) : null,
    lossPercent: live && loss !== null ? round1(loss * 100) : null,
  };
}

const moved = (a: number | null, b: number | null, step: number): boolean =>
  a === null || b === null ? a !== b : Math.abs(a - b) >= step;

/** Pure: publish `next` now? On any change of state, flags or weight (IPv4's or IPv6's); numbers only when they moved meaningfully or every 30 s. */
export function shouldPublishLink(
  last: { view: HaLinkView; atMs: number } | undefined,
  next: HaLinkView,
  nowMs: number,
): boolean {
  if (last === undefined) return true;
  const a = last.view;
  if (a.state !== next.state || a.connected !== next.connected || a.active !== next.active) return true;
  if (a.weight !== next.weight) return true;
  const a6 = a.ipv6;
  const n6 = next.ipv6;
  if ((a6 === undefined) !== (n6 === undefined)) return true;
  if (a6 !== undefined && n6 !== undefined && (a6.state !== n6.state || a6.active !== n6.active)) return true;
  const rttStep = (rtt: number | null) => Math.max(HA_RTT_MIN_MS, (rtt ?? 0) * HA_RTT_SHARE);
  const big =
    moved(a.rttMs, next.rttMs, rttStep(a.rttMs)) ||
    moved(a.lossPercent, next.lossPercent, HA_PERCENT_STEP) ||
    moved(a.sharePercent, next.sharePercent, HA_PERCENT_STEP) ||
    moved(a6?.rttMs ?? null, n6?.rttMs ?? null, rttStep(a6?.rttMs ?? null)) ||
    moved(a6?.lossPercent ?? null, n6?.lossPercent ?? null, HA_PERCENT_STEP);
  if (big) return true;
  const same =
    a.rttMs === next.rttMs &&
    a.lossPercent === next.lossPercent &&
    a.sharePercent === next.sharePercent &&
    a6?.rttMs === n6?.rttMs &&
    a6?.lossPercent === n6?.lossPercent;
  return !same && nowMs - last.atMs >= HA_NUMBERS_EVERY_MS;
}

/** Pure: the gateway as Home Assistant shows it. */
export function haGatewayView(
  views: HaLinkView[],
  router: RouterState | undefined,
  routerOnline: boolean,
): HaGatewayView {
  const r = routerOnline ? router : undefined;
  return {
    mode: r?.defaultRoute.mode ?? "unknown",
    linksUp: views.filter((v) => v.connected).length,
    linksTotal: views.length,
    lastFailoverAt: router?.lastChange?.at ?? null,
    lastFailoverCause: router?.lastChange?.reason.slice(0, 500) ?? null,
  };
}
