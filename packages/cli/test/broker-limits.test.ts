import { mkdtempSync, rmSync } from "node:fs";
import { type Socket, connect as tcpConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { WanpilotConfig } from "@wanpilot/common";
import { deriveBusPassword, readBusSecret } from "@wanpilot/runtime";
import { silentLog as log, testConfig, until } from "@wanpilot/testing";
import mqtt, { type MqttClient } from "mqtt";
import mqttPacket from "mqtt-packet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningBroker, startBroker } from "../src/broker/broker.js";

// The embedded broker's limits against real sockets: each one of these made the broker hold memory
// without bound before (a 256 MB declaration, a socket that never logs in, a reader that never reads,
// a persistent session subscribed to # that never comes back).
const dir = mkdtempSync(join(tmpdir(), "wanpilot-limits-"));
let broker: RunningBroker;
let config: WanpilotConfig;
let url: string;
const LIMITS = {
  loginDeadlineMs: 800,
  maxPending: 5,
  maxReaders: 4,
  sessionExpiryMs: 1500,
  maxOfflineSessions: 3,
  maxQueuedPerSession: 5,
};

function raw(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = tcpConnect(broker.port, "127.0.0.1", () => resolve(s));
    s.on("error", reject);
  });
}

function client(opts: mqtt.IClientOptions = {}): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 3000, ...opts });
    c.once("connect", () => resolve(c));
    c.once("error", (err) => {
      c.end(true);
      reject(err);
    });
  });
}

const router = () =>
  client({
    username: "router",
    password: deriveBusPassword(readBusSecret(config.runtime_dir), "router"),
    clientId: "wanpilot-gw1-router",
  });

beforeAll(async () => {
  config = testConfig({
    gateway: "gw1",
    runtime_dir: join(dir, "run"),
    links: [{ name: "dsl", interface: "wan1" }],
  });
  broker = await startBroker({ config, log, listen: { host: "127.0.0.1", port: 0 }, limits: LIMITS });
  url = `mqtt://127.0.0.1:${broker.port}`;
});

afterAll(async () => {
  await broker?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("embedded broker limits", () => {
  it("drops a socket that declares an oversized packet before logging in, at the header", async () => {
    const s = await raw();
    // PUBLISH declaring 256 MB; only the header is sent.
    s.write(Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f]));
    await until("the socket closed", () => s.closed === true);
  });

  it("drops a CONNECT over 16 KiB", async () => {
    const s = await raw();
    s.write(
      mqttPacket.generate({
        cmd: "connect",
        clientId: "big",
        protocolVersion: 4,
        protocolId: "MQTT",
        clean: true,
        keepalive: 10,
        username: "x".repeat(20_000),
      }),
    );
    await until("the socket closed", () => s.closed === true);
  });

  it("drops a socket that does not log in within the deadline", async () => {
    const s = await raw();
    const t0 = Date.now();
    await until("the socket closed", () => s.closed === true, 5000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(LIMITS.loginDeadlineMs - 100);
  });

  it("keeps at most maxPending sockets waiting, dropping the oldest, and a part still logs in", async () => {
    const sockets = await Promise.all(Array.from({ length: 12 }, () => raw()));
    await until("the oldest dropped", () => sockets.filter((s) => !s.closed).length <= LIMITS.maxPending);
    expect(broker.pendingLogins).toBeLessThanOrEqual(LIMITS.maxPending);
    // The first ones were dropped, the newest kept.
    expect(sockets.slice(-LIMITS.maxPending).every((s) => !s.closed)).toBe(true);
    const r = await router();
    await r.endAsync();
    for (const s of sockets) s.destroy();
  });

  it("refuses readers over maxReaders, never a part", async () => {
    const readers = await Promise.all(Array.from({ length: LIMITS.maxReaders }, () => client()));
    await expect(client()).rejects.toThrow(/Server unavailable/i);
    const r = await router();
    await r.endAsync();
    for (const c of readers) await c.endAsync();
  });

  it("hides $SYS from anonymous readers", async () => {
    const c = await client();
    await expect(c.subscribeAsync("$SYS/#", { qos: 0 })).rejects.toThrow(/Subscribe error/);
    await c.endAsync();
  });

  it("bounds an offline persistent session's queue and expires it", async () => {
    const reader = await client({ clientId: "dash-1", clean: false });
    await reader.subscribeAsync("#", { qos: 1 });
    reader.end(true);
    await until("the session offline", () => broker.offlineSessions === 1);
    const r = await router();
    for (let i = 0; i < 20; i++) await r.publishAsync("wanpilot/gw1/router/event", `{"n":${i}}`, { qos: 1 });
    // Back before the expiry: only maxQueuedPerSession of the 20 were kept.
    const got: string[] = [];
    const back = mqtt.connect(url, { clientId: "dash-1", clean: false, reconnectPeriod: 0 });
    back.on("message", (_t, p) => got.push(p.toString()));
    await until("the queued messages", () => got.length >= LIMITS.maxQueuedPerSession);
    await new Promise((res) => setTimeout(res, 300));
    expect(got.length).toBe(LIMITS.maxQueuedPerSession);
    back.end(true);
    await until("offline again", () => broker.offlineSessions === 1);
    await until("the session expired", () => broker.offlineSessions === 0, 5000);
    const again = await client({ clientId: "dash-1", clean: false });
    const present = await new Promise<boolean>((res) => {
      const c = mqtt.connect(url, { clientId: "dash-1", clean: false, reconnectPeriod: 0 });
      c.once("connect", (ack) => {
        res(ack.sessionPresent);
        c.end(true);
      });
    });
    await again.endAsync();
    expect(present).toBe(false);
    await r.endAsync();
  });

  it("expires the oldest offline session when there are more than maxOfflineSessions", async () => {
    for (let i = 0; i < LIMITS.maxOfflineSessions + 3; i++) {
      const c = await client({ clientId: `ghost-${i}`, clean: false });
      await c.subscribeAsync("#", { qos: 1 });
      c.end(true);
    }
    await until("offline sessions", () => broker.offlineSessions > 0);
    await new Promise((res) => setTimeout(res, 200));
    expect(broker.offlineSessions).toBe(LIMITS.maxOfflineSessions);
  });
});
