import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RouteChange, type RouterState, topics, type WanpilotConfig } from "@wanpilot/common";
import type { Lab } from "@wanpilot/lab";
import { type Bus, connectBus, ensureBusSecret } from "@wanpilot/runtime";
import { eventually, silentLog, startTestBroker, type TestBroker, testConfig } from "@wanpilot/testing";
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RouterHandle, run } from "../src/main.js";
import { linkState, newLab } from "./harness.js";

describe("wanpilot router on a real broker and kernel", () => {
  let lab: Lab;
  let broker: TestBroker | undefined;
  let dir: string;
  let config: WanpilotConfig;
  let client: MqttClient;
  let router: RouterHandle | undefined;
  let bus: Bus | undefined;
  const events: RouteChange[] = [];
  let state: RouterState | undefined;

  beforeAll(async () => {
    lab = await newLab({ isps: 2, name: "rtbus" });
    dir = mkdtempSync(join(tmpdir(), "wanpilot-router-"));
    ensureBusSecret(dir);
    broker = await startTestBroker();
    const { port } = broker;
    config = testConfig({
      gateway: "gw1",
      runtime_dir: dir,
      bus: { listen: `127.0.0.1:${port}` },
      links: lab.isps.map((isp, i) => ({ name: isp.name, interface: isp.wanInterface, weight: i + 1 })),
    });
    client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`);
    client.on("message", (topic, payload) => {
      if (topic === topics.routerEvent("gw1")) events.push(JSON.parse(payload.toString()) as RouteChange);
      if (topic === topics.routerState("gw1")) state = JSON.parse(payload.toString()) as RouterState;
    });
    await client.subscribeAsync([topics.routerEvent("gw1"), topics.routerState("gw1")], { qos: 1 });
  });
  afterAll(async () => {
    await router?.stop();
    await bus?.close();
    await client?.endAsync();
    await broker?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    await lab?.destroy();
  });

  const publishState = (i: number, s: "up" | "down") =>
    client.publishAsync(
      topics.linkState("gw1", lab.isps[i]?.name ?? ""),
      JSON.stringify(linkState(lab, i, s)),
      { qos: 1, retain: true },
    );

  it("follows retained link states, publishes state and events, keeps events until the logger acks", async () => {
    await publishState(0, "up");
    await publishState(1, "up");
    bus = await connectBus({ config, component: { kind: "router" }, log: silentLog });
    router = await run({
      config,
      log: silentLog,
      bus,
      netns: lab.ns.gw,
      resyncMs: 300,
      // Counted on every resync, whatever a count costs (the shipped budget spaces them by seconds).
      countBudget: { minIntervalMs: 0, budget: 1, maxIntervalMs: 1000 },
    });
    expect(await eventually(() => state?.links.every((l) => l.state === "up") === true, 10_000)).toBe(true);
    expect(state?.links.map((l) => [l.link, l.weight])).toEqual([
      ["isp1", 1],
      ["isp2", 2],
    ]);

    // A bad payload is dropped, never a crash.
    await client.publishAsync(topics.linkState("gw1", "isp1"), "{not json", { qos: 1 });
    await publishState(0, "down");
    expect(await eventually(() => events.some((e) => /isp1 up → down/.test(e.reason)), 10_000)).toBe(true);
    const change = events.find((e) => /isp1 up → down/.test(e.reason));
    expect(change?.defaultRoute.nexthops).toEqual([{ link: "isp2", weight: 2 }]);
    expect(change?.flushed).toEqual([{ link: "isp1", connections: expect.any(Number) }]);
    expect(await lab.exec(lab.ns.gw, ["ip", "route", "show", "table", "100"])).toMatch(
      /^default via 198\.18\.2\.1 dev wan2/,
    );
    expect((await lab.openFlows({ count: 50 })).byIsp).toEqual({ isp2: 50 });

    // Tracked connections per link, counted by mark on each resync.
    const streams = await lab.startStreams({ count: 5, durationMs: 10_000 });
    try {
      expect(
        await eventually(() => (state?.links.find((l) => l.link === "isp2")?.connections ?? 0) >= 5, 5000),
      ).toBe(true);
    } finally {
      await streams.stop();
    }

    expect(router.pendingEvents()).toBeGreaterThan(0);
    await client.publishAsync(
      topics.loggerAck("gw1"),
      JSON.stringify({ ids: events.map((e) => e.id), at: new Date().toISOString() }),
      { qos: 1 },
    );
    expect(await eventually(() => router?.pendingEvents() === 0, 5000)).toBe(true);

    // Stopping leaves routing as it is.
    await router.stop();
    router = undefined;
    expect(await lab.exec(lab.ns.gw, ["ip", "route", "show", "table", "100"])).toMatch(
      /^default via 198\.18\.2\.1/,
    );
  });
});
