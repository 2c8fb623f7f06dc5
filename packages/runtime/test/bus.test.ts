import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { topics, type WanpilotConfig } from "@wanpilot/common";
import {
  linkStateFixture,
  silentLog as log,
  startTestBroker,
  type TestBroker,
  testConfig,
  until,
} from "@wanpilot/testing";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectBus } from "../src/bus.js";
import { ensureBusSecret } from "../src/credentials.js";

let broker: TestBroker;
let dir: string;
let config: WanpilotConfig;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "wanpilot-bus-"));
  ensureBusSecret(dir);
  broker = await startTestBroker();
  const { port } = broker;
  config = testConfig({
    gateway: "gw1",
    runtime_dir: dir,
    bus: { listen: `127.0.0.1:${port}` },
    links: [{ name: "dsl", interface: "wan1" }],
  });
});

afterAll(async () => {
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("connectBus against a real in-process broker", () => {
  it("publishes online on connect, offline on close, and validates payloads both ways", async () => {
    const seen = new Map<string, string>();
    const watcher = await mqtt.connectAsync(broker.url);
    watcher.on("message", (t, p) => seen.set(t, p.toString()));
    await watcher.subscribeAsync("wanpilot/#");

    const router = await connectBus({ config, component: { kind: "router" }, log });
    const availability = topics.availability("gw1", { kind: "router" });
    await until("online", () => seen.get(availability) === "online");

    const got: string[] = [];
    await router.subscribe("linkState", topics.allLinkStates("gw1"), (p) => got.push(p.state));
    await watcher.publishAsync(topics.linkState("gw1", "dsl"), "{not json");
    await watcher.publishAsync(topics.linkState("gw1", "dsl"), JSON.stringify({ state: "sideways" }));
    const good = {
      link: "dsl",
      state: "up",
      since: new Date().toISOString(),
      cause: "test",
      interface: "wan1",
      source: null,
      gateway: null,
      carrier: true,
      rttMs: 1,
      lossRatio: 0,
      at: new Date().toISOString(),
    };
    await watcher.publishAsync(topics.linkState("gw1", "dsl"), JSON.stringify({ ...good, link: "cable" }));
    await watcher.publishAsync(topics.linkState("gw1", "dsl"), JSON.stringify(good));
    await until("got.length === 1", () => got.length === 1);
    expect(got).toEqual(["up"]);
    expect(router.rejected).toBe(3);

    await expect(
      router.publish("routerState", topics.routerState("gw1"), { nonsense: true } as never),
    ).rejects.toThrow(/does not match its schema/);
    await expect(router.publish("routerState", "wanpilot/gw1/#" as never, {} as never)).rejects.toThrow(
      /refusing/,
    );

    await router.close();
    await until("offline", () => seen.get(availability) === "offline");
    await watcher.endAsync();
  });

  it("hands a persistent session's queued messages to the handler subscribed after reconnecting", async () => {
    const { port } = broker;
    const event = (id: string) =>
      JSON.stringify({
        id,
        link: "dsl",
        from: "up",
        to: "down",
        at: new Date().toISOString(),
        cause: "test",
      });
    const first = await connectBus({ config, component: { kind: "logger" }, log });
    await first.subscribe("linkEvent", topics.allLinkEvents("gw1"), () => undefined);
    await first.close();

    const publisher = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`);
    await publisher.publishAsync(topics.linkEvent("gw1", "dsl"), event("event-0001"), { qos: 1 });
    await publisher.endAsync();

    const again = await connectBus({ config, component: { kind: "logger" }, log });
    await new Promise((r) => setTimeout(r, 200)); // the queued message arrives with the session, before subscribe()
    const got: string[] = [];
    await again.subscribe("linkEvent", topics.allLinkEvents("gw1"), (e) => got.push(e.id));
    await until("got.length === 1", () => got.length === 1);
    expect(got).toEqual(["event-0001"]);
    await again.close();
  });

  it("close() returns promptly when the broker has gone away", async () => {
    const gone = await startTestBroker();
    const bus = await connectBus({ config, component: { kind: "router" }, log, url: gone.url });
    await gone.stop();
    const t0 = Date.now();
    await bus.close();
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});

describe("retained copies that arrive after a newer live message", () => {
  const state = (link: string, s: "unknown" | "up") =>
    JSON.stringify(
      linkStateFixture(link, s, { since: new Date().toISOString(), at: new Date().toISOString() }),
    );

  it("are dropped, so a subscriber keeps the latest state; a later subscription still gets the current one", async () => {
    // aedes streams a new subscription's retained snapshot while it forwards live messages: seen at start-up,
    // a router holding a prober's "unknown: starting" after its "up". The delay makes the race certain.
    const slow = await startTestBroker({ retainedDelayMs: 300 });
    const publisher = await mqtt.connectAsync(slow.url);
    const retained = { qos: 1, retain: true } as const;
    await publisher.publishAsync(topics.linkState("gw1", "dsl"), state("dsl", "unknown"), retained);
    await publisher.publishAsync(topics.linkState("gw1", "cable"), state("cable", "up"), retained);
    const router = await connectBus({ config, component: { kind: "router" }, log, url: slow.url });
    try {
      const got: string[] = [];
      await router.subscribe("linkState", topics.allLinkStates("gw1"), (p) =>
        got.push(`${p.link} ${p.state}`),
      );
      // Live, while the snapshot (dsl unknown, cable up) is held back.
      await publisher.publishAsync(topics.linkState("gw1", "dsl"), state("dsl", "up"), retained);
      await until("the snapshot arrived", () => got.includes("cable up"));
      // Published after the whole snapshot was sent: once it is in, every copy of the snapshot is too.
      await publisher.publishAsync(topics.linkState("gw1", "wlan"), state("wlan", "up"), retained);
      await until("the marker arrived", () => got.includes("wlan up"));
      expect(got.filter((g) => g.startsWith("dsl"))).toEqual(["dsl up"]);

      const later: string[] = [];
      await router.subscribe("linkState", topics.linkState("gw1", "dsl"), (p) => later.push(p.state));
      await until("the later subscription's retained copy", () => later.length > 0);
      expect(later).toEqual(["up"]);
    } finally {
      await router.close();
      await publisher.endAsync();
      await slow.stop();
    }
  });
});
