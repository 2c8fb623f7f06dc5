import { type LinkHealth, topics } from "@wanpilot/common";
import { MemoryBus } from "@wanpilot/testing";
import { describe, expect, it } from "vitest";
import type { Bus } from "./bus.js";

const health: LinkHealth = {
  link: "dsl",
  at: "2026-11-29T12:00:00.000Z",
  windowMs: 10_000,
  state: "up",
  rtt: null,
  lossRatio: 0,
  targets: [],
};

describe("Bus types (checked by tsc -p tsconfig.test.json)", () => {
  it("a payload cannot go out on another kind's topic, nor on a filter", async () => {
    const bus: Bus = new MemoryBus();
    await bus.publish("linkHealth", topics.linkHealth("gw", "dsl"), health);
    // @ts-expect-error a link's state topic is not its health topic
    await expect(bus.publish("linkHealth", topics.linkState("gw", "dsl"), health)).rejects.toThrow();
    // @ts-expect-error a filter is never published to
    await expect(bus.publish("linkHealth", topics.allLinkHealth("gw"), health)).rejects.toThrow();
  });

  it("a subscription gets the topic parsed", async () => {
    const bus = new MemoryBus();
    const got: unknown[] = [];
    await bus.subscribe("availability", topics.allAvailability("gw"), (a, topic) => got.push([a, topic]));
    // @ts-expect-error a handler of one kind does not take another kind's filter
    await bus.subscribe("linkState", topics.allAvailability("gw"), () => undefined);
    bus.deliver("availability", topics.availability("gw", { kind: "prober", link: "dsl" }), "online");
    expect(got).toEqual([
      [
        "online",
        {
          gateway: "gw",
          kind: "availability",
          component: { kind: "prober", link: "dsl" },
          path: "wanpilot/gw/availability/prober/dsl",
        },
      ],
    ]);
  });
});
