import { describe, expect, it } from "vitest";
import { validateConfig } from "../config/parse.js";
import { mayPublish } from "./acl.js";
import { HaDiscovery, haDiscoveryMessages, haDiscoveryTopic, isHaDiscoveryTopicOf } from "./homeassistant.js";
import { topics } from "./topics.js";

function config(extra: Record<string, unknown> = {}) {
  const parsed = validateConfig({
    gateway: "home_gw",
    links: [
      { name: "dsl", interface: "wan1" },
      { name: "lte-2", interface: "wwan0" },
    ],
    ...extra,
  });
  if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
  return parsed.config;
}

describe("Home Assistant discovery", () => {
  const messages = haDiscoveryMessages({ config: config(), version: "1.2.3" });

  it("announces every entity of every link and of the gateway, each valid against the documented schema", () => {
    const objects = messages.map((m) => m.topic.split("/").slice(1, 4).join("/"));
    const perLink = (l: string) => [
      `switch/wanpilot_home_gw/link-${l}-enabled`,
      `button/wanpilot_home_gw/link-${l}-drain`,
      `number/wanpilot_home_gw/link-${l}-setweight`,
      `binary_sensor/wanpilot_home_gw/link-${l}-connectivity`,
      `sensor/wanpilot_home_gw/link-${l}-state`,
      `sensor/wanpilot_home_gw/link-${l}-latency`,
      `sensor/wanpilot_home_gw/link-${l}-loss`,
      `sensor/wanpilot_home_gw/link-${l}-share`,
      `binary_sensor/wanpilot_home_gw/link-${l}-active`,
      `sensor/wanpilot_home_gw/link-${l}-weight`,
    ];
    expect(objects).toEqual([
      ...perLink("dsl"),
      ...perLink("lte-2"),
      "sensor/wanpilot_home_gw/gateway-mode",
      "sensor/wanpilot_home_gw/gateway-linksup",
      "sensor/wanpilot_home_gw/gateway-failoverat",
      "sensor/wanpilot_home_gw/gateway-failovercause",
      "binary_sensor/wanpilot_home_gw/router-running",
      "binary_sensor/wanpilot_home_gw/logger-running",
    ]);
    for (const m of messages) expect(HaDiscovery.safeParse(m.payload).error).toBeUndefined();
    expect(new Set(messages.map((m) => m.payload.unique_id)).size).toBe(messages.length);
    expect(new Set(messages.map((m) => m.payload.default_entity_id)).size).toBe(messages.length);
  });

  it("offers an operator's controls per link: an enabled switch, a drain button, a weight number", () => {
    const byObject = (o: string) => messages.find((m) => m.topic.endsWith(`/link-dsl-${o}/config`));
    const command = { command_topic: topics.linkCommand("home_gw", "dsl") };
    expect(byObject("enabled")?.payload).toMatchObject({
      ...command,
      state_topic: topics.routerState("home_gw"),
      payload_on: '{"action":"enable"}',
      payload_off: '{"action":"disable"}',
      default_entity_id: "switch.wanpilot_home_gw_link_dsl_enabled",
    });
    expect(byObject("drain")?.payload).toMatchObject({ ...command, payload_press: '{"action":"drain"}' });
    expect(byObject("drain")?.payload.state_topic).toBeUndefined();
    expect(byObject("setweight")?.payload).toMatchObject({ ...command, min: 1, max: 256, step: 1 });
    for (const o of ["enabled", "drain", "setweight"])
      expect(mayPublish({ kind: "observer" }, "home_gw", byObject(o)?.topic ?? "")).toBe(true);
  });

  it("follows the prober, the router and the observer (all must be online) and says where it comes from", () => {
    const latency = messages.find((m) => m.topic.endsWith("/link-dsl-latency/config"))?.payload;
    expect(latency).toMatchObject({
      state_topic: topics.haLink("home_gw", "dsl"),
      value_template: "{{ value_json.rttMs }}",
      default_entity_id: "sensor.wanpilot_home_gw_link_dsl_latency",
      availability_mode: "all",
      origin: { name: "wanpilot", sw_version: "1.2.3" },
      device: { sw_version: "1.2.3", identifiers: ["wanpilot_home_gw"] },
      unit_of_measurement: "ms",
      state_class: "measurement",
    });
    expect(latency?.availability.map((a) => a.topic)).toEqual([
      topics.availability("home_gw", { kind: "observer" }),
      topics.availability("home_gw", { kind: "prober", link: "dsl" }),
      topics.availability("home_gw", { kind: "router" }),
    ]);
    const state = messages.find((m) => m.topic.endsWith("/link-dsl-state/config"))?.payload;
    expect(state).toMatchObject({ device_class: "enum", options: ["unknown", "up", "degraded", "down"] });
  });

  it("uses the configured prefix", () => {
    const custom = haDiscoveryMessages({
      config: config({ homeassistant: { prefix: "ha/disc" } }),
      version: "1",
    });
    expect(custom.every((m) => m.topic.startsWith("ha/disc/"))).toBe(true);
    expect(mayPublish({ kind: "observer" }, "home_gw", custom[0]?.topic ?? "", "ha/disc")).toBe(true);
  });

  it("only the observer of this gateway may publish them, and only under the gateway's node", () => {
    const topic = messages[0]?.topic ?? "";
    expect(mayPublish({ kind: "observer" }, "home_gw", topic)).toBe(true);
    expect(mayPublish({ kind: "observer" }, "other", topic)).toBe(false);
    expect(mayPublish({ kind: "supervisor" }, "home_gw", topic)).toBe(false);
    expect(mayPublish({ kind: "router" }, "home_gw", topic)).toBe(false);
    expect(mayPublish({ kind: "observer" }, "home_gw", "homeassistant/light/wanpilot_home_gw/x/config")).toBe(
      false,
    );
    expect(mayPublish({ kind: "observer" }, "home_gw", "homeassistant/status")).toBe(false);
    expect(
      isHaDiscoveryTopicOf(
        haDiscoveryTopic("homeassistant", "home", "sensor", "x"),
        "homeassistant",
        "home_gw",
      ),
    ).toBe(false);
  });
});
