import * as z from "zod";
import { LinkIpv6Input } from "./ipv6.js";
import { InterfaceName, Ipv4Address } from "./net.js";
import { ProbeConfig } from "./probe.js";
import { KERNEL_TABLE_IDS } from "./tables.js";

export const LinkName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, {
  error: (i) =>
    `${JSON.stringify(i.input)} is not a link name (a-z, 0-9, _ and -, starting with a letter or digit, up to 32 characters)`,
});
export type LinkName = z.infer<typeof LinkName>;

/** The kernel's nexthop weights are 1..256. */
export const MAX_LINK_WEIGHT = 256;
export const MAX_LINK_TIER = 16;

export const TableId = z
  .number()
  .int()
  .min(1)
  .max(0xfffffffe)
  .refine((t) => !KERNEL_TABLE_IDS.has(t), {
    error: (i) => `table ${String(i.input)} is reserved by the kernel (${[...KERNEL_TABLE_IDS].join(", ")})`,
  });

export const LinkConfigInput = z.strictObject({
  name: LinkName,
  interface: InterfaceName,
  gateway: Ipv4Address.optional().meta({
    description: "Next hop; learned from the interface (DHCP/PPP) when absent",
  }),
  source: Ipv4Address.optional().meta({ description: "The interface's own address; learned when absent" }),
  weight: z.number().int().min(1).max(MAX_LINK_WEIGHT).default(1),
  tier: z.number().int().min(1).max(MAX_LINK_TIER).default(1),
  table: TableId.optional().meta({ description: "Routing table id (default: the first free id from 101)" }),
  masquerade: z.boolean().default(true),
  probe: ProbeConfig.default(ProbeConfig.parse({})),
  ipv6: LinkIpv6Input.meta({
    description:
      "IPv6 on this link: true (learned gateway and source) or {gateway, source, targets}; off when absent",
  }),
});

/** A link after defaults: `table` always set. */
export type LinkConfig = Omit<z.output<typeof LinkConfigInput>, "table"> & { table: number };
