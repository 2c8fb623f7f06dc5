import { haDiscoveryMessages } from "@wanpilot/common";
import { MemoryBus, silentLog, testConfig } from "@wanpilot/testing";
import { describe, expect, it } from "vitest";
import { emptyState } from "../core/state.js";
import { HaPublisher } from "./homeassistant.js";

function setup(extra: Record<string, unknown> = {}) {
  const config = testConfig({ gateway: "gw", links: [{ name: "dsl", interface: "wan1" }], ...extra });
  const bus = new MemoryBus();
  let now = 0;
  const state = emptyState();
  const ha = new HaPublisher({
    config,
    bus,
    log: silentLog,
    state,
    discovery: haDiscoveryMessages({ config, version: "1" }),
    now: () => now,
  });
  return { config, bus, ha, state, advance: (ms: number) => (now += ms) };
}

const settle = () => new Promise((r) => setTimeout(r, 10));

describe("HaPublisher", () => {
  it("announces every entity and clears the retained configs of a link no longer configured", async () => {
    const { bus, ha } = setup();
    const leftover = "homeassistant/sensor/wanpilot_gw/link-cable-latency/config";
    const otherGateway = "homeassistant/sensor/wanpilot_gw2/link-cable-latency/config";
    bus.retained = [leftover, otherGateway, "homeassistant/sensor/wanpilot_gw/link-dsl-latency/config"];
    await ha.announce();
    // One link: 7 sensors and 3 controls (enabled, drain, weight), 6 of the gateway.
    expect(bus.of("haDiscovery")).toHaveLength(16);
    expect(bus.cleared).toEqual([leftover]);
  });

  it("announces a link's IPv6 entities only while it has `ipv6` on, and clears them when it is turned off", async () => {
    const on = setup({ links: [{ name: "dsl", interface: "wan1", ipv6: true }] });
    await on.ha.announce();
    const v6 = on.bus.of("haDiscovery").filter((m) => m.topic.includes("-ipv6"));
    expect(v6.map((m) => m.topic.split("/")[3])).toEqual([
      "link-dsl-ipv6state",
      "link-dsl-ipv6active",
      "link-dsl-ipv6latency",
      "link-dsl-ipv6loss",
    ]);
    const off = setup();
    off.bus.retained = v6.map((m) => m.topic);
    await off.ha.announce();
    expect(off.bus.of("haDiscovery").some((m) => m.topic.includes("-ipv6"))).toBe(false);
    expect(off.bus.cleared).toEqual(v6.map((m) => m.topic));
  });

  it("with discovery off announces nothing and clears what it announced before", async () => {
    const { bus, ha } = setup({ homeassistant: { discovery: false } });
    bus.retained = ["homeassistant/sensor/wanpilot_gw/link-dsl-latency/config"];
    await ha.announce();
    expect(bus.of("haDiscovery")).toHaveLength(0);
    expect(bus.cleared).toEqual(["homeassistant/sensor/wanpilot_gw/link-dsl-latency/config"]);
  });

  it("republishes a link's state only when it changes", async () => {
    const { bus, ha, state, advance } = setup();
    await ha.announce();
    await settle();
    expect(bus.of("haLink").map((m) => m.payload.state)).toEqual(["unknown"]);
    ha.update();
    await settle();
    expect(bus.of("haLink")).toHaveLength(1);
    state.availability.set("prober/dsl", "online");
    state.links.set("dsl", {
      link: "dsl",
      state: "up",
      since: "2026-01-01T00:00:00.000Z",
      cause: "x",
      interface: "wan1",
      source: null,
      gateway: null,
      carrier: true,
      rttMs: 10,
      lossRatio: 0,
      at: "2026-01-01T00:00:00.000Z",
    });
    advance(1000);
    ha.update();
    await settle();
    expect(bus.of("haLink").map((m) => m.payload.state)).toEqual(["unknown", "up"]);
    expect(bus.of("haGateway").map((m) => m.payload.linksUp)).toEqual([0, 1]);
  });

  it("publishes a link's IPv6 part from its LinkState6, and republishes when only IPv6 changes", async () => {
    const { bus, ha, state, advance } = setup({ links: [{ name: "dsl", interface: "wan1", ipv6: true }] });
    state.availability.set("prober/dsl", "online");
    await ha.announce();
    await settle();
    const s6 = {
      link: "dsl",
      family: "ipv6" as const,
      state: "up" as const,
      since: "2026-01-01T00:00:00.000Z",
      cause: "x",
      interface: "wan1",
      source: "2001:db8:1::2",
      gateway: "fe80::1",
      carrier: true,
      rttMs: 10,
      lossRatio: 0,
      at: "2026-01-01T00:00:00.000Z",
    };
    state.links6?.set("dsl", s6);
    advance(1000);
    ha.update();
    await settle();
    state.links6?.set("dsl", { ...s6, state: "down" });
    advance(1000);
    ha.update();
    await settle();
    expect(bus.of("haLink").map((m) => [m.payload.state, m.payload.ipv6?.state])).toEqual([
      ["unknown", "unknown"],
      ["unknown", "up"],
      ["unknown", "down"],
    ]);
  });
});
