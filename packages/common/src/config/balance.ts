import { z } from "zod";

export const HashPolicy = z.enum(["l4", "l3", "host"]);
export type HashPolicy = z.infer<typeof HashPolicy>;

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
});
export type BalanceConfig = z.output<typeof BalanceConfig>;
