import * as z from "zod";
import { LinkStateName } from "./messages.js";

/** A link's IPv6 as Home Assistant shows it (links with `ipv6` on only); numbers null unless its IPv6 is up or degraded. */
export const HaLinkView6 = z.object({
  state: LinkStateName,
  /** The link carries new IPv6 connections (the router's IPv6 default route). */
  active: z.boolean(),
  rttMs: z.number().nonnegative().nullable(),
  lossPercent: z.number().min(0).max(100).nullable(),
});
export type HaLinkView6 = z.infer<typeof HaLinkView6>;

/**
 * Retained on `ha/link/<name>` by the observer, only when it changes: a link as Home Assistant shows it.
 * Numbers are null (Home Assistant's None: "unknown", never a string) while the link is not up or degraded.
 */
export const HaLinkView = z.object({
  link: z.string(),
  state: LinkStateName,
  connected: z.boolean(),
  rttMs: z.number().nonnegative().nullable(),
  lossPercent: z.number().min(0).max(100).nullable(),
  sharePercent: z.number().min(0).max(100).nullable(),
  active: z.boolean(),
  weight: z.number().int().nonnegative().nullable(),
  /** Present only for a link with `ipv6` on; every field above is IPv4's. */
  ipv6: HaLinkView6.optional(),
});
export type HaLinkView = z.infer<typeof HaLinkView>;

/** Retained on `ha/gateway` by the observer, only when it changes. */
export const HaGatewayView = z.object({
  mode: z.enum(["balanced", "all-down-keep", "unreachable", "none", "unknown"]),
  linksUp: z.number().int().nonnegative(),
  linksTotal: z.number().int().nonnegative(),
  lastFailoverAt: z.iso.datetime({ offset: true }).nullable(),
  lastFailoverCause: z.string().max(500).nullable(),
});
export type HaGatewayView = z.infer<typeof HaGatewayView>;

const MetricName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/);

/** One Prometheus sample: a series name (a histogram's `_bucket`, `_sum`, `_count` too), its labels, its value. */
export const MetricSample = z.object({
  name: MetricName,
  labels: z.record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/), z.string().max(200)),
  value: z.number(),
});
export type MetricSample = z.infer<typeof MetricSample>;

export const MetricFamily = z.object({
  name: MetricName,
  help: z.string().max(500),
  type: z.enum(["counter", "gauge", "histogram", "summary", "untyped"]),
  samples: z.array(MetricSample).max(2000),
});
export type MetricFamily = z.infer<typeof MetricFamily>;

/**
 * Periodic on `metrics/<component>` (not retained): a part's own Prometheus metrics (its process, and for
 * probers the probes per target), which the observer serves with a `part` label.
 */
export const PartMetrics = z.object({
  at: z.iso.datetime({ offset: true }),
  /** How often the part publishes; the observer drops its samples after three missed periods. */
  everyMs: z.number().int().positive(),
  families: z.array(MetricFamily).max(200),
});
export type PartMetrics = z.infer<typeof PartMetrics>;
