import * as z from "zod";

export const HomeAssistantConfig = z.strictObject({
  discovery: z.boolean().default(true).meta({
    description: "Announce wanpilot's entities to Home Assistant (MQTT discovery); false removes them",
  }),
  prefix: z
    .string()
    .regex(/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/, { error: "must be topic levels of A-Z, a-z, 0-9, _ and -" })
    .default("homeassistant")
    .meta({ description: "Home Assistant's discovery prefix (its MQTT integration's setting)" }),
  username: z.string().min(1).max(128).optional().meta({
    description: "Embedded broker: Home Assistant's user (reads everything, publishes only its status)",
  }),
  password_file: z
    .string()
    .startsWith("/", { error: "must be an absolute path" })
    .optional()
    .meta({ description: "Embedded broker: file holding Home Assistant's password" }),
});
export type HomeAssistantConfig = z.output<typeof HomeAssistantConfig>;
