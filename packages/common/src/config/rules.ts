import { z } from "zod";
import { LinkName } from "./link.js";
import { InterfaceName, Ipv4Prefix } from "./net.js";

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

export const TrafficRule = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, {
      error: (i) =>
        `${JSON.stringify(i.input)} is not a rule name (a-z, 0-9, _ and -, starting with a letter or digit, up to 32 characters)`,
    }),
    src: Ipv4Prefix.optional(),
    dst: Ipv4Prefix.optional(),
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
    if ((r.sport !== undefined || r.dport !== undefined) && r.proto !== "tcp" && r.proto !== "udp")
      ctx.addIssue({ code: "custom", path: ["proto"], message: "ports need proto tcp or udp" });
  });
export type TrafficRule = z.output<typeof TrafficRule>;
