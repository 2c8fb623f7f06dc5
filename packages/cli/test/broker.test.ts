import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isWanpilotError, topics, type WanpilotConfig } from "@wanpilot/common";
import { connectBus, deriveBusPassword, readBusSecret } from "@wanpilot/runtime";
import { silentLog as log, testConfig, until } from "@wanpilot/testing";
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningBroker, startBroker } from "../src/broker/broker.js";

const dir = mkdtempSync(join(tmpdir(), "wanpilot-broker-"));
let broker: RunningBroker;
let config: WanpilotConfig;
let url: string;

function makeConfig(extra: Record<string, unknown> = {}, bus: Record<string, unknown> = {}): WanpilotConfig {
  const config = testConfig({
    gateway: "gw1",
    runtime_dir: join(dir, "run"),
    bus: { listen: "127.0.0.1:1883", ...bus },
    links: [
      { name: "dsl", interface: "wan1" },
      { name: "cable", interface: "wan2" },
    ],
    ...extra,
  });
  return config;
}

const password = (user: string) => deriveBusPassword(readBusSecret(config.runtime_dir), user);

/** Connects and resolves with the client, or rejects with the CONNACK refusal. */
function connect(opts: mqtt.IClientOptions): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 3000, ...opts });
    c.once("connect", () => resolve(c));
    c.once("error", (err) => {
      c.end(true);
      reject(err);
    });
    c.once("close", () => reject(new Error("closed before CONNACK")));
  });
}

async function watch(): Promise<{ client: MqttClient; seen: Array<[string, string]> }> {
  const client = await connect({});
  const seen: Array<[string, string]> = [];
  client.on("message", (t, p) => seen.push([t, p.toString()]));
  await client.subscribeAsync("wanpilot/#", { qos: 1 });
  return { client, seen };
}

beforeAll(async () => {
  writeFileSync(join(dir, "reader.pass"), "reader-secret\n", { mode: 0o600 });
  config = makeConfig({}, { username: "dash", password_file: join(dir, "reader.pass") });
  broker = await startBroker({ config, log, listen: { host: "127.0.0.1", port: 0 } });
  url = `mqtt://127.0.0.1:${broker.port}`;
});

afterAll(async () => {
  await broker?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("embedded broker", () => {
  it("writes the generated secret with mode 0600", () => {
    expect(statSync(join(config.runtime_dir, "bus.secret")).mode & 0o777).toBe(0o600);
  });

  it("lets components in with their derived password and shows their availability to anonymous readers", async () => {
    const w = await watch();
    const bus = await connectBus({
      config,
      component: { kind: "prober", link: "dsl" },
      log,
      url,
    });
    const avail = topics.availability("gw1", { kind: "prober", link: "dsl" });
    await until("online", () => w.seen.some(([t, p]) => t === avail && p === "online"));
    await bus.close();
    await until("offline", () => w.seen.some(([t, p]) => t === avail && p === "offline"));
    await w.client.endAsync();
  });

  it("refuses a wrong password, an unknown user and a prober of an unknown link", async () => {
    await expect(connect({ username: "router", password: "guess" })).rejects.toThrow(/authori|password/i);
    await expect(connect({ username: "mallory", password: password("router") })).rejects.toThrow();
    await expect(connect({ username: "prober/ghost", password: password("prober/ghost") })).rejects.toThrow();
  });

  it("drops a prober that publishes another link's state, and nothing reaches subscribers", async () => {
    const w = await watch();
    const c = await connect({ username: "prober/dsl", password: password("prober/dsl") });
    const closed = new Promise<void>((r) => c.once("close", () => r()));
    c.publish(topics.routerState("gw1"), "{}", { qos: 0 });
    c.publish(topics.linkState("gw1", "cable"), "{}", { qos: 0 });
    await closed;
    // A marker published after, by an allowed client, proves the forbidden ones would have arrived first.
    const ok = await connect({ username: "prober/cable", password: password("prober/cable") });
    await ok.publishAsync(topics.linkHealth("gw1", "cable"), "marker", { qos: 1 });
    await until("marker", () => w.seen.some(([, p]) => p === "marker"));
    expect(
      w.seen.filter(([t]) => t === topics.routerState("gw1") || t === topics.linkState("gw1", "cable")),
    ).toEqual([]);
    await ok.endAsync();
    await w.client.endAsync();
  });

  it("lets anonymous and the configured reader subscribe but never publish", async () => {
    const w = await watch();
    const reader = await connect({ username: "dash", password: "reader-secret" });
    for (const c of [w.client, reader]) {
      const closed = new Promise<void>((r) => c.once("close", () => r()));
      c.publish(topics.availability("gw1", { kind: "router" }), "online", { qos: 1, retain: true });
      await closed;
    }
    const check = await watch();
    const marker = await connect({ username: "router", password: password("router") });
    await marker.publishAsync(topics.availability("gw1", { kind: "router" }), "offline", {
      qos: 1,
      retain: true,
    });
    await until("router's own publish", () => check.seen.some(([, p]) => p === "offline"));
    expect(check.seen.filter(([, p]) => p === "online")).toEqual([]);
    await marker.endAsync();
    await check.client.endAsync();
    reader.end(true);
    w.client.end(true);
  });

  it("refuses a last will the user could not publish, and delivers an allowed one", async () => {
    const forged = {
      topic: topics.availability("gw1", { kind: "router" }),
      payload: Buffer.from("offline"),
      qos: 1 as const,
      retain: true,
    };
    await expect(
      connect({ username: "logger", password: password("logger"), will: forged }),
    ).rejects.toThrow();
    await expect(connect({ will: forged })).rejects.toThrow();
    const w = await watch();
    const own = await connect({ username: "router", password: password("router"), will: forged });
    own.stream.destroy();
    await until("will", () => w.seen.some(([t, p]) => t === forged.topic && p === "offline"));
    await w.client.endAsync();
  });

  it("keeps anonymous readers and reader clients off wanpilot's client ids", async () => {
    await expect(connect({ clientId: "wanpilot-gw1-router" })).rejects.toThrow();
  });

  it("fails clearly when it cannot bind", async () => {
    const err = await startBroker({ config, log, listen: { host: "127.0.0.1", port: broker.port } }).catch(
      (e: unknown) => e,
    );
    expect(isWanpilotError(err, "BROKER_BIND_FAILED")).toBe(true);
    expect(String((err as Error).message)).toMatch(/cannot listen on 127\.0\.0\.1:\d+.*EADDRINUSE/);
  });

  it("refuses anonymous clients when bus.anonymous is none", async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const port = (srv.address() as { port: number }).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const strict = await startBroker({
      config: makeConfig({}, { anonymous: "none" }),
      log,
      listen: { host: "127.0.0.1", port },
    });
    try {
      await expect(
        new Promise((resolve, reject) => {
          const c = mqtt.connect(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 });
          c.once("connect", () => resolve(c.end(true)));
          c.once("error", (e) => reject(e));
        }),
      ).rejects.toThrow(/authori/i);
    } finally {
      await strict.close();
    }
  });
});
