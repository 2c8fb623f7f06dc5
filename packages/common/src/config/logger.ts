import * as z from "zod";
import { duration } from "./units.js";

export const LoggerConfig = z.strictObject({
  database: z.string().min(1).default("/var/lib/wanpilot/wanpilot.db"),
  health_retention: duration({ min: 60_000 })
    .default(90 * 86_400_000)
    .meta({ description: "How long downsampled health samples are kept (transitions are kept forever)" }),
  health_every: duration({ min: 1000 })
    .default(10_000)
    .meta({ description: "One stored health sample per link per this period" }),
});
export type LoggerConfig = z.output<typeof LoggerConfig>;
