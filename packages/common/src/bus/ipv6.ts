import * as z from "zod";
import { Ipv6Address } from "../config/ipv6.js";
import { LinkState } from "./messages.js";

/**
 * Retained on `link/<name>/ipv6/state` by the link's prober when the link has `ipv6` on: the IPv6
 * family's own verdict (a link can be up for IPv4 and down for IPv6). Same fields as LinkState, with
 * IPv6 addresses; `linkState` keeps meaning IPv4.
 */
export const LinkState6 = LinkState.extend({
  family: z.literal("ipv6"),
  /** The global IPv6 address probes leave from (configured or learned); null while unknown. */
  source: Ipv6Address.nullable(),
  /** The IPv6 next hop, usually link-local on `interface`; null while unknown. */
  gateway: Ipv6Address.nullable(),
  /** Prefix length of `source` on the interface (for the connected route); absent while unknown. */
  prefixLength: z.number().int().min(0).max(128).nullable().optional(),
});
export type LinkState6 = z.infer<typeof LinkState6>;

/** The name under which the logger keeps a link's IPv6 history (its `linkEvent6`), and `report` shows it. */
export function ipv6History(link: string): string {
  return `${link}/ipv6`;
}
