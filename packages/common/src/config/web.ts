import * as z from "zod";
import { ListenAddress } from "./net.js";

/** The port `wanpilot web` listens on by default (on loopback). */
export const DEFAULT_WEB_PORT = 8480;

export const WebConfig = z.strictObject({
  listen: ListenAddress.default(`127.0.0.1:${DEFAULT_WEB_PORT}`).meta({
    description: "Where the web page (`wanpilot web`) listens; any address but loopback needs password_file",
  }),
  password_file: z.string().startsWith("/", { error: "must be an absolute path" }).optional().meta({
    description:
      "File holding the operator's web password (default on loopback: the bus operator's password file)",
  }),
});
export type WebConfig = z.output<typeof WebConfig>;
