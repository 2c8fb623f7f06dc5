import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { topics, type WanpilotConfig } from "@wanpilot/common";
import { until } from "@wanpilot/testing";
import { Aedes } from "aedes";
import mqtt from "mqtt";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectBus } from "../src/bus.js";
import { ensureBusSecret } from "../src/credentials.js";
import { busTestConfig } from "./bus-config.js";

const log = pino({ level: "silent" });
let broker: Aedes;
let server: Server;
let dir: string;
let config: WanpilotConfig;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "wanpilot-bus-"));
  ensureBusSecret(dir);
  broker = await Aedes.createBroker();
  server = createServer(broker.handle);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as { port: number }).port;
  config = busTestConfig(dir, port);
});

afterAll(async () => {
  server.close();
  await new Promise<void>((r) => broker.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

describe("connectBus against a real in-process broker", () => {
  it("publishes online on connect, offline on close, and validates payloads both ways", async () => {
    const seen = new Map<string, string>();
    const watcher = await mqtt.connectAsync(
      `mqtt://127.0.0.1:${(server.address() as { port: number }).port}`,
    );
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
    const port = (server.address() as { port: number }).port;
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
    const b = await Aedes.createBroker();
    const srv = createServer(b.handle);
    srv.listen(0, "127.0.0.1");
    await once(srv, "listening");
    const url = `mqtt://127.0.0.1:${(srv.address() as { port: number }).port}`;
    const bus = await connectBus({ config, component: { kind: "router" }, log, url });
    await new Promise<void>((r) => b.close(() => r()));
    srv.close();
    const t0 = Date.now();
    await bus.close();
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});
