import {
  type HaGatewayView,
  type HaLinkView,
  type LinkConfig,
  type LinkHealth,
  type LinkState,
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
  };
}

const moved = (a: number | null, b: number | null, step: number): boolean =>
  a === null || b === null ? a !== b : Math.abs(a - b) >= step;

/** Pure: publish `next` now? On any change of state, flags or weight; numbers only when they moved meaningfully or every 30 s. */
export function shouldPublishLink(
  last: { view: HaLinkView; atMs: number } | undefined,
  next: HaLinkView,
  nowMs: number,
): boolean {
  if (last === undefined) return true;
  const a = last.view;
  if (a.state !== next.state || a.connected !== next.connected || a.active !== next.active) return true;
  if (a.weight !== next.weight) return true;
  const rttStep = Math.max(HA_RTT_MIN_MS, (a.rttMs ?? 0) * HA_RTT_SHARE);
  const big =
    moved(a.rttMs, next.rttMs, rttStep) ||
    moved(a.lossPercent, next.lossPercent, HA_PERCENT_STEP) ||
    moved(a.sharePercent, next.sharePercent, HA_PERCENT_STEP);
  if (big) return true;
  const same =
    a.rttMs === next.rttMs && a.lossPercent === next.lossPercent && a.sharePercent === next.sharePercent;
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
