import * as z from "zod";
import { MAX_LINK_WEIGHT } from "../config/link.js";
import type { WanpilotConfig } from "../config/schema.js";
import { type Component, type Topic, topicOf, topics } from "./topics.js";

/** Home Assistant's default discovery prefix (`homeassistant.prefix` changes it). */
export const HA_PREFIX = "homeassistant";

/** The topic Home Assistant publishes its birth ("online") and last will ("offline") on. */
export const haStatusTopic = (prefix: string): string => `${prefix}/status`;

const Availability = z.object({
  topic: z.string(),
  payload_available: z.literal("online"),
  payload_not_available: z.literal("offline"),
});

/**
 * A discovery config as Home Assistant's MQTT integration reads it, limited to the keys wanpilot sets
 * (per-entity discovery; `default_entity_id` replaced `object_id` in Home Assistant 2025.10).
 */
export const HaDiscovery = z.strictObject({
  name: z.string(),
  unique_id: z.string().regex(/^[a-z0-9_-]+$/),
  default_entity_id: z.string().regex(/^(sensor|binary_sensor|switch|button|number)\.[a-z0-9_]+$/),
  /** Absent for a button (it has no state). */
  state_topic: z.string().optional(),
  value_template: z.string().optional(),
  availability: z.array(Availability).min(1),
  availability_mode: z.literal("all"),
  device: z.strictObject({
    identifiers: z.array(z.string()).min(1),
    name: z.string(),
    manufacturer: z.string(),
    model: z.string(),
    sw_version: z.string(),
  }),
  origin: z.strictObject({ name: z.literal("wanpilot"), sw_version: z.string() }),
  device_class: z.enum(["connectivity", "duration", "timestamp", "enum"]).optional(),
  unit_of_measurement: z.enum(["ms", "%"]).optional(),
  state_class: z.literal("measurement").optional(),
  suggested_display_precision: z.number().int().min(0).max(3).optional(),
  options: z.array(z.string()).min(1).optional(),
  payload_on: z.string().optional(),
  payload_off: z.string().optional(),
  entity_category: z.literal("diagnostic").optional(),
  icon: z.string().optional(),
  // Controls (switch, button, number): an operator's commands on `link/<name>/set`.
  command_topic: z.string().optional(),
  command_template: z.string().optional(),
  payload_press: z.string().optional(),
  state_on: z.string().optional(),
  state_off: z.string().optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  step: z.number().optional(),
  mode: z.enum(["box", "slider", "auto"]).optional(),
});
export type HaDiscovery = z.infer<typeof HaDiscovery>;

type Platform = "sensor" | "binary_sensor" | "switch" | "button" | "number";
const PLATFORMS: readonly string[] = ["sensor", "binary_sensor", "switch", "button", "number"];

/** Home Assistant's node id for the gateway: one device, every entity under it. */
export const haNodeId = (gw: string): string => `wanpilot_${gw}`;

/** `<prefix>/<platform>/wanpilot_<gw>/<object>/config`; a link's objects are `link-<link>-<what>` (whats have no "-"). */
export function haDiscoveryTopic(
  prefix: string,
  gw: string,
  platform: Platform,
  object: string,
): Topic<"haDiscovery"> {
  return topicOf("haDiscovery", `${prefix}/${platform}/${haNodeId(gw)}/${object}/config`);
}

/** Discovery config topics of any gateway under `prefix`, for subscribing (to find leftovers). */
export const haDiscoveryWildcard = (prefix: string): string => `${prefix}/+/+/+/config`;

/** Is this a discovery topic of gateway `gw` under `prefix` (the only ones the observer may publish)? */
export function isHaDiscoveryTopicOf(topic: string, prefix: string, gw: string): boolean {
  if (!topic.startsWith(`${prefix}/`)) return false;
  const rest = topic.slice(prefix.length + 1).split("/");
  const node = rest[1] ?? "";
  return (
    rest.length === 4 &&
    PLATFORMS.includes(rest[0] ?? "") &&
    node === haNodeId(gw) &&
    /^[a-z0-9_-]+$/.test(rest[2] ?? "") &&
    rest[3] === "config"
  );
}

export interface HaContext {
  config: WanpilotConfig;
  /** wanpilot's version, for `origin` and the device. */
  version: string;
}

const STATES = ["unknown", "up", "degraded", "down"];
const MODES = ["balanced", "all-down-keep", "unreachable", "none", "unknown"];

/** Every entity wanpilot announces, in a stable order (config order of links). */
export function haDiscoveryMessages(
  ctx: HaContext,
): Array<{ topic: Topic<"haDiscovery">; payload: HaDiscovery }> {
  const { config, version } = ctx;
  const gw = config.gateway;
  const prefix = config.homeassistant.prefix;
  const avail = (...cs: Component[]) =>
    cs.map((c) => ({
      topic: topics.availability(gw, c),
      payload_available: "online" as const,
      payload_not_available: "offline" as const,
    }));
  const common = {
    availability_mode: "all" as const,
    device: {
      identifiers: [haNodeId(gw)],
      name: `wanpilot ${gw}`,
      manufacturer: "wanpilot",
      model: "multi-WAN gateway",
      sw_version: version,
    },
    origin: { name: "wanpilot" as const, sw_version: version },
  };
  const entity = (
    platform: Platform,
    object: string,
    body: Omit<HaDiscovery, "unique_id" | "default_entity_id" | keyof typeof common>,
  ) => {
    const unique = `${haNodeId(gw)}_${object}`.replaceAll("-", "_");
    return {
      topic: haDiscoveryTopic(prefix, gw, platform, object),
      payload: { ...body, ...common, unique_id: unique, default_entity_id: `${platform}.${unique}` },
    };
  };
  const links = config.links.flatMap((l) => {
    const state_topic = topics.haLink(gw, l.name);
    const availability = avail({ kind: "observer" }, { kind: "prober", link: l.name }, { kind: "router" });
    const o = (what: string) => `link-${l.name}-${what}`;
    const num = (name: string, field: string, unit: "ms" | "%") => ({
      name: `${l.name} ${name}`,
      state_topic,
      availability,
      value_template: `{{ value_json.${field} }}`,
      unit_of_measurement: unit,
      state_class: "measurement" as const,
      suggested_display_precision: 1,
    });
    // The router's view of this link, for the controls' state; commands go to the link's command topic.
    const routed = `{% set r = value_json.links | selectattr('link', 'equalto', '${l.name}') | first %}`;
    const control = {
      availability: avail({ kind: "router" }),
      command_topic: topics.linkCommand(gw, l.name),
    };
    const controls = [
      entity("switch", o("enabled"), {
        ...control,
        name: `${l.name} enabled`,
        state_topic: topics.routerState(gw),
        value_template: `${routed}{{ 'OFF' if r.override and r.override.admin == 'disable' else 'ON' }}`,
        payload_on: '{"action":"enable"}',
        payload_off: '{"action":"disable"}',
        state_on: "ON",
        state_off: "OFF",
        icon: "mdi:wan",
      }),
      entity("button", o("drain"), {
        ...control,
        name: `${l.name} drain`,
        payload_press: '{"action":"drain"}',
        icon: "mdi:water-off",
      }),
      entity("number", o("setweight"), {
        ...control,
        name: `${l.name} configured weight`,
        state_topic: topics.routerState(gw),
        value_template: `${routed}{{ r.override.weight if r.override and r.override.weight else ${l.weight} }}`,
        command_template: '{"action":"weight","value":{{ value | int }}}',
        min: 1,
        max: MAX_LINK_WEIGHT,
        step: 1,
        mode: "box",
      }),
    ];
    return [
      ...controls,
      entity("binary_sensor", o("connectivity"), {
        name: `${l.name} internet`,
        state_topic,
        availability,
        device_class: "connectivity",
        value_template: "{{ 'ON' if value_json.connected else 'OFF' }}",
        payload_on: "ON",
        payload_off: "OFF",
      }),
      entity("sensor", o("state"), {
        name: `${l.name} state`,
        state_topic,
        availability,
        device_class: "enum",
        options: STATES,
        value_template: "{{ value_json.state }}",
        icon: "mdi:wan",
      }),
      entity("sensor", o("latency"), { ...num("latency", "rttMs", "ms"), device_class: "duration" }),
      entity("sensor", o("loss"), { ...num("packet loss", "lossPercent", "%"), icon: "mdi:lan-disconnect" }),
      entity("sensor", o("share"), {
        ...num("share of connections", "sharePercent", "%"),
        icon: "mdi:chart-pie",
      }),
      entity("binary_sensor", o("active"), {
        name: `${l.name} carries new traffic`,
        state_topic,
        availability,
        value_template: "{{ 'ON' if value_json.active else 'OFF' }}",
        payload_on: "ON",
        payload_off: "OFF",
        icon: "mdi:swap-horizontal",
      }),
      entity("sensor", o("weight"), {
        name: `${l.name} weight`,
        state_topic,
        availability,
        value_template: "{{ value_json.weight }}",
        state_class: "measurement",
        icon: "mdi:scale-balance",
      }),
      ...(l.ipv6 === undefined ? [] : ipv6Entities()),
    ];

    /** Only for a link with `ipv6` on: its IPv6 family's own state, from `value_json.ipv6`. */
    function ipv6Entities() {
      const v6 = (field: string, absent: string) =>
        `{{ value_json.ipv6.${field} if value_json.ipv6 is defined else ${absent} }}`;
      return [
        entity("sensor", o("ipv6state"), {
          name: `${l.name} IPv6 state`,
          state_topic,
          availability,
          device_class: "enum",
          options: STATES,
          value_template: v6("state", "'unknown'"),
          icon: "mdi:wan",
        }),
        entity("binary_sensor", o("ipv6active"), {
          name: `${l.name} carries new IPv6 traffic`,
          state_topic,
          availability,
          value_template: `{{ 'ON' if value_json.ipv6 is defined and value_json.ipv6.active else 'OFF' }}`,
          payload_on: "ON",
          payload_off: "OFF",
          icon: "mdi:swap-horizontal",
        }),
        entity("sensor", o("ipv6latency"), {
          ...num("IPv6 latency", "rttMs", "ms"),
          value_template: v6("rttMs", "None"),
          device_class: "duration",
        }),
        entity("sensor", o("ipv6loss"), {
          ...num("IPv6 packet loss", "lossPercent", "%"),
          value_template: v6("lossPercent", "None"),
          icon: "mdi:lan-disconnect",
        }),
      ];
    }
  });
  const state_topic = topics.haGateway(gw);
  const availability = avail({ kind: "observer" }, { kind: "router" });
  const part = (kind: "router" | "logger") =>
    entity("binary_sensor", `${kind}-running`, {
      name: `${kind} running`,
      state_topic: topics.availability(gw, { kind }),
      availability: avail({ kind: "observer" }),
      device_class: "connectivity",
      value_template: "{{ 'ON' if value == 'online' else 'OFF' }}",
      payload_on: "ON",
      payload_off: "OFF",
      entity_category: "diagnostic",
    });
  return [
    ...links,
    entity("sensor", "gateway-mode", {
      name: "default route",
      state_topic,
      availability,
      device_class: "enum",
      options: MODES,
      value_template: "{{ value_json.mode }}",
      icon: "mdi:routes",
    }),
    entity("sensor", "gateway-linksup", {
      name: "links up",
      state_topic,
      availability,
      value_template: "{{ value_json.linksUp }}",
      state_class: "measurement",
      icon: "mdi:wan",
    }),
    entity("sensor", "gateway-failoverat", {
      name: "last failover",
      state_topic,
      availability,
      device_class: "timestamp",
      value_template: "{{ value_json.lastFailoverAt }}",
    }),
    entity("sensor", "gateway-failovercause", {
      name: "last failover cause",
      state_topic,
      availability,
      value_template: "{{ value_json.lastFailoverCause }}",
      icon: "mdi:alert-circle-outline",
    }),
    part("router"),
    part("logger"),
  ];
}
