import * as z from "zod";

export const HashPolicy = z.enum(["l4", "l3", "host"]);
export type HashPolicy = z.infer<typeof HashPolicy>;

/** Default mark bits: clear of Tailscale (0xff0000), Docker/kube-proxy (0x4000, 0x8000), Cilium (0xf00), wg-quick (0xca6c). */
export const MARK_MASK_DEFAULT = 0x7f000000;

/** The bits of the packet/connection mark wanpilot uses: one run of set bits; the number of links it holds is 2^bits - 1. */
export const MarkMask = z
  .union([
    z.number().int(),
    z.string().regex(/^0x[0-9a-fA-F]{1,8}$/, { error: "a hex number like 0x7f000000" }),
  ])
  .transform((v) => (typeof v === "number" ? v : Number.parseInt(v.slice(2), 16)))
  .refine((m) => m > 0 && m <= 0xffffffff, { error: "must be a 32-bit mask other than 0" })
  .refine((m) => isContiguous(m), { error: "must be one run of set bits (like 0x7f000000)" });

function isContiguous(mask: number): boolean {
  const shifted = mask / 2 ** markShift(mask);
  return Number.isInteger(Math.log2(shifted + 1));
}

/** The lowest set bit of a mask: marks are `slot << shift`. */
export function markShift(mask: number): number {
  let shift = 0;
  while (shift < 32 && Math.floor(mask / 2 ** shift) % 2 === 0) shift++;
  return shift;
}

/**
 * The most links wanpilot handles: each link's slot gives it one rule priority in each of the router's
 * ranges, and the narrowest (`from <source>`, 10100..10199) holds 100. The config schema enforces it.
 */
export const MAX_LINKS = 100;

/** How many links a mark mask can tell apart (slot 0 means "no link"), within MAX_LINKS. */
export function markCapacity(mask: number): number {
  return Math.min(MAX_LINKS, Math.floor(mask / 2 ** markShift(mask)));
}

export const BalanceConfig = z.strictObject({
  hash: HashPolicy.default("l4").meta({
    description: "l4: per connection; l3: per source/destination pair; host: each LAN host keeps one link",
  }),
  sticky: z
    .boolean()
    .default(true)
    .meta({ description: "A connection never changes link while its link is up (connection marks)" }),
  flush_on_down: z
    .boolean()
    .default(true)
    .meta({ description: "Delete a dead link's tracked connections so clients reconnect at once" }),
  all_down: z
    .enum(["keep", "unreachable"])
    .default("keep")
    .meta({ description: "keep: leave the last routes (fail open); unreachable: refuse at once" }),
  degraded: z
    .enum(["keep", "demote", "down"])
    .default("demote")
    .meta({ description: "What a degraded link gets: full weight, a reduced weight, or no traffic" }),
  mark_mask: MarkMask.default(MARK_MASK_DEFAULT).meta({
    description:
      "Bits of the packet and connection mark wanpilot uses (hex string or number); other bits are left as they are",
  }),
});
export type BalanceConfig = z.output<typeof BalanceConfig>;
