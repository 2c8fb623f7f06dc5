import { describe, expect, it } from "vitest";
import { validateConfig } from "../config/parse.js";
import { mayPublish } from "./acl.js";
import { HaDiscovery, haDiscoveryMessages } from "./homeassistant.js";
import { topics } from "./topics.js";

const parsed = validateConfig({
  gateway: "home_gw",
  links: [
    { name: "dsl", interface: "wan1" },
    { name: "lte_2", interface: "wwan0" },
  ],
});
if (!parsed.ok) throw new Error(parsed.problems.join("\n"));

describe("Home Assistant discovery", () => {
  const messages = haDiscoveryMessages(parsed.config);

  it("announces connectivity, state, latency and loss for every link, pointing at the prober's topics", () => {
    expect(messages.map((m) => m.topic).filter((t) => /sensor/.test(t))).toEqual([
      "homeassistant/binary_sensor/wanpilot_home_gw_dsl/connectivity/config",
      "homeassistant/sensor/wanpilot_home_gw_dsl/state/config",
      "homeassistant/sensor/wanpilot_home_gw_dsl/rtt/config",
      "homeassistant/sensor/wanpilot_home_gw_dsl/loss/config",
      "homeassistant/binary_sensor/wanpilot_home_gw_lte_2/connectivity/config",
      "homeassistant/sensor/wanpilot_home_gw_lte_2/state/config",
      "homeassistant/sensor/wanpilot_home_gw_lte_2/rtt/config",
      "homeassistant/sensor/wanpilot_home_gw_lte_2/loss/config",
    ]);
    for (const m of messages) expect(HaDiscovery.safeParse(m.payload).success).toBe(true);
    expect(messages.find((m) => m.topic.includes("connectivity"))?.payload).toMatchObject({
      state_topic: topics.linkState("home_gw", "dsl"),
      availability_topic: topics.availability("home_gw", { kind: "prober", link: "dsl" }),
      device_class: "connectivity",
    });
    expect(new Set(messages.map((m) => m.payload.unique_id)).size).toBe(messages.length);
  });

  it("offers an operator's controls per link: an enabled switch, a drain button, a weight number", () => {
    const dsl = messages.filter((m) => m.topic.includes("_dsl/"));
    const byWhat = (what: string) => dsl.find((m) => m.topic.endsWith(`/${what}/config`))?.payload;
    expect(byWhat("enabled")).toMatchObject({
      command_topic: topics.linkCommand("home_gw", "dsl"),
      payload_on: '{"action":"enable"}',
      payload_off: '{"action":"disable"}',
    });
    expect(byWhat("drain")).toMatchObject({ payload_press: '{"action":"drain"}' });
    expect(byWhat("weight")).toMatchObject({
      min: 1,
      max: 256,
      command_topic: topics.linkCommand("home_gw", "dsl"),
    });
    for (const what of ["enabled", "drain", "weight"])
      expect(
        mayPublish(
          { kind: "supervisor" },
          "home_gw",
          dsl.find((m) => m.topic.includes(`/${what}/`))?.topic ?? "",
        ),
      ).toBe(true);
  });

  it("only the supervisor of this gateway may publish them", () => {
    const topic = messages[0]?.topic ?? "";
    expect(mayPublish({ kind: "supervisor" }, "home_gw", topic)).toBe(true);
    expect(mayPublish({ kind: "supervisor" }, "other", topic)).toBe(false);
    expect(mayPublish({ kind: "router" }, "home_gw", topic)).toBe(false);
    expect(mayPublish({ kind: "supervisor" }, "home_gw", "homeassistant/light/x/config")).toBe(false);
  });
});
