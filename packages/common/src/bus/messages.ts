import * as z from "zod";
import { LinkName } from "../config/link.js";
import { InterfaceName, Ipv4Address } from "../config/net.js";
import { LinkOverride } from "./operations.js";

/** ISO-8601 timestamp, always UTC. */
const Iso = z.iso.datetime({ offset: true });
/** Event identity: publisher-unique, so a redelivered event is stored once. */
export const EventId = z.string().regex(/^[A-Za-z0-9_.:-]{8,128}$/);

export const Availability = z.enum(["online", "offline"]);
export type Availability = z.infer<typeof Availability>;

export const LinkStateName = z.enum(["unknown", "up", "degraded", "down"]);
export type LinkStateName = z.infer<typeof LinkStateName>;

/** Retained on `link/<name>/state` by the link's prober. */
export const LinkState = z.object({
  link: LinkName,
  state: LinkStateName,
  since: Iso,
  cause: z.string().max(500),
  // Addresses and names from the bus end up on `ip` command lines: hold them to the config's rules.
  interface: InterfaceName,
  /** The address probes leave from (configured or learned); null while unknown. */
  source: Ipv4Address.nullable(),
  /** The next hop (configured or learned); null while unknown or for point-to-point links. */
  gateway: Ipv4Address.nullable(),
  /**
   * The prefix length of `source` on the interface as the prober read it; null while unknown (absent from older
   * probers). A change of it alone (a renewed lease with another netmask) is published like any kernel change.
   */
  prefixLength: z.number().int().min(0).max(32).nullable().optional(),
  carrier: z.boolean(),
  rttMs: z.number().nonnegative().nullable(),
  lossRatio: z.number().min(0).max(1).nullable(),
  at: Iso,
});
export type LinkState = z.infer<typeof LinkState>;

export const RttStats = z.object({
  meanMs: z.number().nonnegative(),
  minMs: z.number().nonnegative(),
  maxMs: z.number().nonnegative(),
  jitterMs: z.number().nonnegative(),
});
export type RttStats = z.infer<typeof RttStats>;

export const TargetHealth = z.object({
  target: z.string(),
  method: z.string(),
  rtt: RttStats.nullable(),
  lossRatio: z.number().min(0).max(1),
  samples: z.number().int().nonnegative(),
});
export type TargetHealth = z.infer<typeof TargetHealth>;

/** Periodic on `link/<name>/health` (not retained): the sliding window's measurements. */
export const LinkHealth = z.object({
  link: z.string(),
  at: Iso,
  windowMs: z.number().int().positive(),
  state: LinkStateName,
  rtt: RttStats.nullable(),
  lossRatio: z.number().min(0).max(1),
  targets: z.array(TargetHealth),
});
export type LinkHealth = z.infer<typeof LinkHealth>;

/** QoS 1 on `link/<name>/event`: one state change. Kept in the prober's outbox until the logger acks its id. */
export const LinkTransition = z.object({
  id: EventId,
  link: z.string(),
  from: LinkStateName,
  to: LinkStateName,
  at: Iso,
  cause: z.string().max(500),
  /** The kernel's boot id at the transition: `bootMs` compares only within one boot. */
  boot: z
    .string()
    .regex(/^[0-9a-f-]{8,64}$/)
    .optional(),
  /** Milliseconds since that boot (monotonic): durations that survive a step of the wall clock. */
  bootMs: z.number().nonnegative().optional(),
});
export type LinkTransition = z.infer<typeof LinkTransition>;

export const Nexthop = z.object({ link: z.string(), weight: z.number().int().min(1).max(256) });
export type Nexthop = z.infer<typeof Nexthop>;

/** The default route wanpilot has in force; null tier when none is installed. */
export const DefaultRoute = z.object({
  tier: z.number().int().nullable(),
  nexthops: z.array(Nexthop),
  /**
   * "balanced" (the live links of the lowest tier) | "all-down-keep" (every link down: the last nexthops
   * kept, fail open) | "unreachable" (every link down, `balance.all_down: unreachable`) | "none" (no links)
   */
  mode: z.enum(["balanced", "all-down-keep", "unreachable", "none"]),
});
export type DefaultRoute = z.infer<typeof DefaultRoute>;

export const RouterLinkView = z.object({
  link: z.string(),
  state: LinkStateName,
  table: z.number().int(),
  active: z.boolean(),
  weight: z.number().int().nonnegative(),
  connections: z.number().int().nonnegative().nullable(),
  /** The operator's override in force; null (or absent, from older routers) when none. */
  override: LinkOverride.nullable().default(null),
  /** Its prober's heartbeat (LinkHealth) is overdue: the state shown is the last one it sent. */
  stale: z.boolean().default(false),
});

/** One link's IPv6 as the router has it (links with `ipv6` on only). */
export const RouterLinkView6 = z.object({
  link: z.string(),
  state: LinkStateName,
  active: z.boolean(),
  weight: z.number().int().nonnegative(),
  /** Tracked IPv6 connections of the link; null when not counted. */
  connections: z.number().int().nonnegative().nullable(),
});

/** The IPv6 half of the router's state: its own default route, failed over on its own. */
export const RouterIpv6 = z.object({ defaultRoute: DefaultRoute, links: z.array(RouterLinkView6) });
export type RouterIpv6 = z.infer<typeof RouterIpv6>;

/** Retained on `router/state`. */
export const RouterState = z.object({
  at: Iso,
  defaultRoute: DefaultRoute,
  links: z.array(RouterLinkView),
  rules: z.array(
    z.object({
      name: z.string(),
      via: z.array(z.string()),
      active: z.string().nullable(),
      /** A rule without addresses while IPv6 is on: its IPv6 traffic's link, by IPv6 state (`active` is IPv4's). */
      active6: z.string().nullable().optional(),
    }),
  ),
  lastChange: z.object({ at: Iso, reason: z.string() }).nullable(),
  /** Objects in wanpilot's priority range or tables that it did not create: left alone, listed here. */
  foreign: z.array(z.string().max(500)).max(200).optional(),
  /** IPv6, when some link has it on; every field above is IPv4's. */
  ipv6: RouterIpv6.optional(),
});
export type RouterState = z.infer<typeof RouterState>;

/** QoS 1 on `router/event`: the kernel's routing was changed. */
export const RouteChange = z.object({
  id: EventId,
  at: Iso,
  reason: z.string().max(500),
  defaultRoute: DefaultRoute,
  flushed: z.array(z.object({ link: z.string(), connections: z.number().int().nonnegative() })).default([]),
  /** IPv6's default route and flushed IPv6 connections, when some link has IPv6 on; the fields above are IPv4's. */
  ipv6: z
    .object({
      defaultRoute: DefaultRoute,
      flushed: z.array(z.object({ link: z.string(), connections: z.number().int().nonnegative() })),
    })
    .optional(),
});
export type RouteChange = z.infer<typeof RouteChange>;

/** QoS 1 on `logger/ack`. */
export const EventAck = z.object({ ids: z.array(EventId).max(1000), at: Iso });
export type EventAck = z.infer<typeof EventAck>;

export const ProcessView = z.object({
  name: z.string(),
  pid: z.number().int().nullable(),
  running: z.boolean(),
  restarts: z.number().int().nonnegative(),
  startedAt: Iso.nullable(),
  lastExit: z.object({ at: Iso, code: z.number().nullable(), signal: z.string().nullable() }).nullable(),
});

/** Retained on `supervisor/state` by `wanpilot start`. */
export const SupervisorState = z.object({ at: Iso, processes: z.array(ProcessView) });
export type SupervisorState = z.infer<typeof SupervisorState>;

/**
 * A link's source and gateway, resolved in this one place for every reader: a configured value always wins (a
 * message on the bus never overrides the config, docs/security.md); else what its prober learned, null while
 * unknown. `configured` says which came from the config: the router still checks the learned ones against its
 * own read of the kernel before it routes by them.
 */
export function linkAddresses(
  link: { source?: string | undefined; gateway?: string | undefined },
  state: Pick<LinkState, "source" | "gateway"> | undefined,
): { source: string | null; gateway: string | null; configured: { source: boolean; gateway: boolean } } {
  return {
    source: link.source ?? state?.source ?? null,
    gateway: link.gateway ?? state?.gateway ?? null,
    configured: { source: link.source !== undefined, gateway: link.gateway !== undefined },
  };
}

/**
 * A link's latest RTT and loss. LinkState is published only when the state (or the kernel's view) changes, so its
 * figures are those of that moment; LinkHealth, the heartbeat, carries the current window's.
 */
export function latestMeasures(
  state: LinkState | undefined,
  health: LinkHealth | undefined,
): { rttMs: number | null; lossRatio: number | null } {
  return health !== undefined && (state === undefined || health.at >= state.at)
    ? { rttMs: health.rtt?.meanMs ?? null, lossRatio: health.lossRatio }
    : { rttMs: state?.rttMs ?? null, lossRatio: state?.lossRatio ?? null };
}

/** A prober publishes LinkHealth this often: its heartbeat (the retained LinkState is no proof of life). */
export const HEALTH_INTERVAL_MS = 2000;
/** A link whose prober sent no LinkHealth for this many health intervals is stale. */
export const STALE_AFTER_INTERVALS = 3;
