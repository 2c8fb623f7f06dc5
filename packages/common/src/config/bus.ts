import * as z from "zod";
import { ListenAddress } from "./net.js";

const AbsolutePath = z.string().startsWith("/", { error: "must be an absolute path" });

/** A URL with any `user:password@` replaced, for logs and messages. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, "$1***@");
}

export const BusTlsConfig = z.strictObject({
  ca_file: AbsolutePath.optional().meta({
    description: "PEM file of the CA that signed the broker's certificate (default: the system's CAs)",
  }),
  cert_file: AbsolutePath.optional().meta({
    description: "PEM client certificate, for brokers that require one",
  }),
  key_file: AbsolutePath.optional().meta({ description: "PEM private key of cert_file (mode 0600)" }),
});
export type BusTlsConfig = z.output<typeof BusTlsConfig>;

export const BusConfig = z.strictObject({
  listen: ListenAddress.default("127.0.0.1:1883").meta({
    description: "Where the embedded broker listens (ignored when url is set)",
  }),
  url: z
    .url({
      protocol: /^(mqtt|mqtts|ws|wss)$/,
      error: (i) =>
        `${JSON.stringify(redactUrl(String(i.input)))} is not an MQTT URL (mqtt://, mqtts://, ws://, wss://)`,
    })
    .optional()
    .meta({ description: "An external broker; then no embedded broker is started" }),
  username: z.string().min(1).max(128).optional(),
  password_file: AbsolutePath.optional(),
  operator_password_file: AbsolutePath.optional().meta({
    description:
      "Embedded broker: a fixed password for the operator user (Home Assistant's controls); default: generated at every boot into runtime_dir/operator.password",
  }),
  credentials_dir: AbsolutePath.optional().meta({
    description:
      "With url: one password file per part (router.pass, logger.pass, supervisor.pass, prober@<link>.pass); each part logs in as <gateway>/<part>",
  }),
  allow_no_credentials: z.boolean().default(false).meta({
    description: "With url on loopback only: let the parts connect without credentials",
  }),
  tls: BusTlsConfig.optional().meta({ description: "With an mqtts:// or wss:// url" }),
  anonymous: z.enum(["none", "loopback", "any"]).default("loopback").meta({
    description: "Embedded broker: who may read without credentials (anonymous clients never publish)",
  }),
});
export type BusConfig = z.output<typeof BusConfig>;
