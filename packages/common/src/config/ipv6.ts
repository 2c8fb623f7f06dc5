import * as z from "zod";
import { isIpv4, isIpv6 } from "./net.js";
import { isIpv6Prefix } from "./net6.js";
import { normalizeTarget, type ProbeTarget, ProbeTargetInput } from "./probe.js";

/** Public IPv6 anycast resolvers of three operators (Cloudflare, Google, Quad9), as for IPv4. */
export const DEFAULT_PROBE_TARGETS_V6 = [
  "2606:4700:4700::1111",
  "2001:4860:4860::8888",
  "2620:fe::fe",
] as const;

export const Ipv6Address = z
  .string()
  .refine(isIpv6, { error: (i) => `${JSON.stringify(i.input)} is not an IPv6 address` });

/** fe80::/10: valid only on one interface, the normal IPv6 gateway of a WAN (router advertisements). */
export function isLinkLocal6(address: string): boolean {
  return /^fe[89ab][0-9a-f]:/i.test(address);
}

const Ipv6Prefix = z.string().refine((v) => v.includes("/") && isIpv6Prefix(v), {
  error: (i) => `${JSON.stringify(i.input)} is not an IPv6 prefix (like 2001:db8:1:100::/64, host bits zero)`,
});

/**
 * NPTv6 (prefix translation) instead of masquerade: the LAN prefix is mapped 1:1 to the link's own prefix,
 * host bits kept, both ways (so LAN hosts are reachable at their mapped address through this link).
 */
const Npt = z
  .strictObject({
    lan: Ipv6Prefix.meta({ description: "The LAN's IPv6 prefix (the source addresses to translate)" }),
    prefix: Ipv6Prefix.meta({
      description: "The link's own prefix they map to (delegated or routed to this gateway by the ISP)",
    }),
  })
  .superRefine((n, ctx) => {
    if (n.lan.split("/")[1] !== n.prefix.split("/")[1])
      ctx.addIssue({
        code: "custom",
        path: ["prefix"],
        message: `must be as long as lan (/${n.lan.split("/")[1]}): NPTv6 maps the host bits 1:1`,
      });
  });
export type Npt = z.infer<typeof Npt>;

const Ipv6Object = z.strictObject({
  gateway: Ipv6Address.optional().meta({
    description:
      "IPv6 next hop, usually link-local (fe80::1) on the link's interface; learned (router advertisement) when absent",
  }),
  source: Ipv6Address.refine((a) => !isLinkLocal6(a), {
    error: "must be a global address, not link-local (fe80::/10)",
  })
    .optional()
    .meta({ description: "The interface's own global IPv6 address; learned when absent" }),
  targets: z
    .array(ProbeTargetInput)
    .min(1)
    .default([...DEFAULT_PROBE_TARGETS_V6])
    .meta({ description: "IPv6 probe targets (the link's other probe settings apply)" }),
  nat66: z
    .union([z.literal("masquerade"), z.strictObject({ npt: Npt })])
    .default("masquerade")
    .meta({
      description:
        "How the LAN's IPv6 leaves this link (with masquerade on): masquerade to the link's address, or {npt: {lan, prefix}} prefix translation",
    }),
});

/** `ipv6: true` (everything learned) or an object; absent or false: IPv6 on this link is left alone. */
export const LinkIpv6Input = z
  .union([z.boolean(), Ipv6Object])
  .optional()
  .superRefine((v, ctx) => {
    if (typeof v !== "object") return;
    v.targets.forEach((t, i) => {
      const host = typeof t === "string" ? t : t.host;
      if (host !== undefined && isIpv4(host))
        ctx.addIssue({
          code: "custom",
          path: ["targets", i],
          message: `${host} is an IPv4 address; IPv6 targets are IPv6 addresses or names`,
        });
    });
  })
  .transform((v): LinkIpv6 | undefined => {
    if (v === undefined || v === false) return undefined;
    const o = v === true ? Ipv6Object.parse({}) : v;
    const out: LinkIpv6 = { targets: o.targets.map(normalizeTarget) };
    if (o.nat66 !== "masquerade") out.npt = o.nat66.npt;
    if (o.gateway !== undefined) out.gateway = o.gateway;
    if (o.source !== undefined) out.source = o.source;
    return out;
  });

/** A link's IPv6, when on: configured gateway/source win over learned ones; targets probed with `ping -6` etc. */
export interface LinkIpv6 {
  gateway?: string;
  source?: string;
  targets: ProbeTarget[];
  /** nat66 by NPTv6 (absent: masquerade). */
  npt?: Npt;
}
