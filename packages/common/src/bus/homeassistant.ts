import { z } from "zod";
import type { WanpilotConfig } from "../config/schema.js";
import { type Topic, topicOf, topics } from "./topics.js";

/** Home Assistant's default discovery prefix. */
export const HA_PREFIX = "homeassistant";

/** A discovery config as Home Assistant reads it (only the keys wanpilot sets). */
export const HaDiscovery = z.object({
  name: z.string(),
  unique_id: z.string(),
  object_id: z.string(),
  state_topic: z.string(),
  value_template: z.string(),
  availability_topic: z.string(),
  payload_available: z.literal("online"),
  payload_not_available: z.literal("offline"),
  device: z.object({
    identifiers: z.array(z.string()),
    name: z.string(),
    manufacturer: z.string(),
    model: z.string(),
  }),
  device_class: z.string().optional(),
  unit_of_measurement: z.string().optional(),
  state_class: z.string().optional(),
  payload_on: z.string().optional(),
  payload_off: z.string().optional(),
  icon: z.string().optional(),
});
export type HaDiscovery = z.infer<typeof HaDiscovery>;

/** `homeassistant/<component>/wanpilot_<gw>_<link>/<what>/config` */
export function haDiscoveryTopic(
  gw: string,
  link: string,
  component: "sensor" | "binary_sensor",
  what: string,
): Topic<"haDiscovery"> {
  return topicOf("haDiscovery", `${HA_PREFIX}/${component}/wanpilot_${gw}_${link}/${what}/config`);
}

const HA_TOPIC = /^homeassistant\/(sensor|binary_sensor)\/(wanpilot_[a-z0-9_-]+)\/([a-z_]+)\/config$/;

export function isHaDiscoveryTopic(topic: string): boolean {
  return HA_TOPIC.test(topic);
}

/** Gateway ids and link names may both hold "_", so the node id is checked by prefix, not split. */
export function isHaDiscoveryTopicOf(topic: string, gw: string): boolean {
  return HA_TOPIC.exec(topic)?.[2]?.startsWith(`wanpilot_${gw}_`) === true;
}

/**
 * Discovery messages for every link: a connectivity binary sensor, the state, RTT and loss. They point at
 * the prober's retained state topic and availability, so Home Assistant needs nothing else from wanpilot.
 */
export function haDiscoveryMessages(
  config: WanpilotConfig,
): Array<{ topic: Topic<"haDiscovery">; payload: HaDiscovery }> {
  const gw = config.gateway;
  return config.links.flatMap((link) => {
    const base = {
      state_topic: topics.linkState(gw, link.name),
      availability_topic: topics.availability(gw, { kind: "prober", link: link.name }),
      payload_available: "online" as const,
      payload_not_available: "offline" as const,
      device: {
        identifiers: [`wanpilot_${gw}`],
        name: `wanpilot ${gw}`,
        manufacturer: "wanpilot",
        model: "multi-WAN gateway",
      },
    };
    const id = (what: string) => ({
      unique_id: `wanpilot_${gw}_${link.name}_${what}`,
      object_id: `wanpilot_${gw}_${link.name}_${what}`,
    });
    return [
      {
        topic: haDiscoveryTopic(gw, link.name, "binary_sensor", "connectivity"),
        payload: {
          ...base,
          ...id("connectivity"),
          name: `${link.name} internet`,
          device_class: "connectivity",
          value_template: "{{ 'ON' if value_json.state in ['up', 'degraded'] else 'OFF' }}",
          payload_on: "ON",
          payload_off: "OFF",
        },
      },
      {
        topic: haDiscoveryTopic(gw, link.name, "sensor", "state"),
        payload: {
          ...base,
          ...id("state"),
          name: `${link.name} state`,
          value_template: "{{ value_json.state }}",
          icon: "mdi:wan",
        },
      },
      {
        topic: haDiscoveryTopic(gw, link.name, "sensor", "rtt"),
        payload: {
          ...base,
          ...id("rtt"),
          name: `${link.name} latency`,
          value_template: "{{ value_json.rttMs | round(1) if value_json.rttMs is not none else 'unknown' }}",
          device_class: "duration",
          unit_of_measurement: "ms",
          state_class: "measurement",
        },
      },
      {
        topic: haDiscoveryTopic(gw, link.name, "sensor", "loss"),
        payload: {
          ...base,
          ...id("loss"),
          name: `${link.name} packet loss`,
          value_template:
            "{{ (value_json.lossRatio * 100) | round(1) if value_json.lossRatio is not none else 'unknown' }}",
          unit_of_measurement: "%",
          state_class: "measurement",
          icon: "mdi:lan-disconnect",
        },
      },
    ];
  });
}
