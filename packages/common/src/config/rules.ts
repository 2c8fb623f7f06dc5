import * as z from "zod";
import { LinkName } from "./link.js";
import { InterfaceName, isIpv4Prefix } from "./net.js";
import { isIpv6Prefix } from "./net6.js";

const Port = z.number().int().min(1).max(65535);
/** 8000, "8000-8010" */
export const PortSpec = z.union([
  Port,
  z
    .string()
    .regex(/^\d{1,5}(-\d{1,5})?$/, {
      error: (i) => `${JSON.stringify(i.input)} is not a port or range (try 8000 or 8000-8010)`,
    })
    .refine(
      (s) => {
        const [lo, hi] = s.split("-").map(Number);
        return lo !== undefined && lo >= 1 && lo <= 65535 && (hi === undefined || (hi >= lo && hi <= 65535));
      },
      { error: (i) => `${JSON.stringify(i.input)} is not a port range within 1-65535, low to high` },
    ),
]);
export type PortSpec = z.infer<typeof PortSpec>;

/** An IPv4 or IPv6 prefix (host bits zero) or address. */
const IpPrefix = z.string().refine((v) => isIpv4Prefix(v) || isIpv6Prefix(v), {
  error: (i) =>
    `${JSON.stringify(i.input)} is not an IPv4 or IPv6 prefix (like 198.51.100.0/24 or 2001:db8:100::/64, host bits zero)`,
});

/** A rule with an IPv6 `src` or `dst` is an IPv6 rule: it matches IPv6 only and follows its links' IPv6 state. */
export function isIpv6Rule(rule: { src?: string | undefined; dst?: string | undefined }): boolean {
  return (rule.src ?? rule.dst ?? "").includes(":");
}

export const TrafficRule = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, {
      error: (i) =>
        `${JSON.stringify(i.input)} is not a rule name (a-z, 0-9, _ and -, starting with a letter or digit, up to 32 characters)`,
    }),
    src: IpPrefix.optional(),
    dst: IpPrefix.optional(),
    proto: z.enum(["tcp", "udp", "icmp", "any"]).default("any"),
    sport: PortSpec.optional(),
    dport: PortSpec.optional(),
    iif: InterfaceName.optional().meta({
      description: "Only traffic arriving on this interface (e.g. a LAN or VLAN)",
    }),
    via: z.array(LinkName).min(1, { error: "needs at least one link" }),
    fallback: z
      .enum(["balance", "refuse"])
      .default("balance")
      .meta({ description: "When no link of via is live: normal balancing, or refuse the traffic" }),
  })
  .superRefine((r, ctx) => {
    if (r.src !== undefined && r.dst !== undefined && r.src.includes(":") !== r.dst.includes(":"))
      ctx.addIssue({
        code: "custom",
        path: ["dst"],
        message: "src and dst must be of the same family (IPv4 or IPv6)",
      });
    if ((r.sport !== undefined || r.dport !== undefined) && r.proto !== "tcp" && r.proto !== "udp")
      ctx.addIssue({ code: "custom", path: ["proto"], message: "ports need proto tcp or udp" });
  });
export type TrafficRule = z.output<typeof TrafficRule>;
