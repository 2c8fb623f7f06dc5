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

  describe("IPv6 (links with `ipv6` on only)", () => {
    const dual = haDiscoveryMessages({
      config: config({
        links: [
          { name: "dsl", interface: "wan1", ipv6: true },
          { name: "lte-2", interface: "wwan0" },
        ],
      }),
      version: "1.2.3",
    });
    const of = (ms: typeof dual, l: string) =>
      ms.filter((m) => m.topic.includes(`/link-${l}-`)).map((m) => m.topic.split("/").slice(1, 4).join("/"));

    it("adds an IPv6 state, an IPv6 carries-new-traffic flag, IPv6 latency and loss, and changes nothing else", () => {
      expect(of(dual, "dsl")).toEqual([
        ...of(messages, "dsl"),
        "sensor/wanpilot_home_gw/link-dsl-ipv6state",
        "binary_sensor/wanpilot_home_gw/link-dsl-ipv6active",
        "sensor/wanpilot_home_gw/link-dsl-ipv6latency",
        "sensor/wanpilot_home_gw/link-dsl-ipv6loss",
      ]);
      // A link without ipv6, and the gateway: the very same messages as in an IPv4-only config.
      expect(dual.filter((m) => !m.topic.includes("/link-dsl-"))).toEqual(
        messages.filter((m) => !m.topic.includes("/link-dsl-")),
      );
      for (const m of dual) expect(HaDiscovery.safeParse(m.payload).error).toBeUndefined();
      expect(new Set(dual.map((m) => m.payload.unique_id)).size).toBe(dual.length);
      for (const m of dual) expect(mayPublish({ kind: "observer" }, "home_gw", m.topic)).toBe(true);
    });

    it("reads the link's state view's `ipv6` part, with the IPv4 entities' availability", () => {
      const byObject = (o: string) => dual.find((m) => m.topic.endsWith(`/link-dsl-${o}/config`))?.payload;
      const latency = messages.find((m) => m.topic.endsWith("/link-dsl-latency/config"))?.payload;
      for (const o of ["ipv6state", "ipv6active", "ipv6latency", "ipv6loss"]) {
        expect(byObject(o)?.state_topic).toBe(topics.haLink("home_gw", "dsl"));
        expect(byObject(o)?.availability).toEqual(latency?.availability);
      }
      expect(byObject("ipv6state")).toMatchObject({
        name: "dsl IPv6 state",
        device_class: "enum",
        options: ["unknown", "up", "degraded", "down"],
        value_template: "{{ value_json.ipv6.state if value_json.ipv6 is defined else 'unknown' }}",
        default_entity_id: "sensor.wanpilot_home_gw_link_dsl_ipv6state",
      });
      expect(byObject("ipv6active")).toMatchObject({
        value_template: "{{ 'ON' if value_json.ipv6 is defined and value_json.ipv6.active else 'OFF' }}",
        payload_on: "ON",
        payload_off: "OFF",
        default_entity_id: "binary_sensor.wanpilot_home_gw_link_dsl_ipv6active",
      });
      expect(byObject("ipv6latency")).toMatchObject({
        value_template: "{{ value_json.ipv6.rttMs if value_json.ipv6 is defined else None }}",
        unit_of_measurement: "ms",
        device_class: "duration",
        state_class: "measurement",
      });
      expect(byObject("ipv6loss")).toMatchObject({
        value_template: "{{ value_json.ipv6.lossPercent if value_json.ipv6 is defined else None }}",
        unit_of_measurement: "%",
      });
    });
  });
});
