import { z } from "zod";
import { ListenAddress } from "./net.js";

export const BusConfig = z.strictObject({
  listen: ListenAddress.default("127.0.0.1:1883").meta({
    description: "Where the embedded broker listens (ignored when url is set)",
  }),
  url: z
    .url({
      protocol: /^(mqtt|mqtts|ws|wss)$/,
      error: (i) => `${JSON.stringify(i.input)} is not an MQTT URL (mqtt://, mqtts://, ws://, wss://)`,
    })
    .optional()
    .meta({ description: "An external broker; then no embedded broker is started" }),
  username: z.string().min(1).max(128).optional(),
  password_file: z.string().startsWith("/", { error: "must be an absolute path" }).optional(),
  anonymous: z.enum(["none", "loopback", "any"]).default("loopback").meta({
    description: "Embedded broker: who may read without credentials (anonymous clients never publish)",
  }),
});
export type BusConfig = z.output<typeof BusConfig>;
