import { type EventAck, type LinkState, topics, WanpilotConfigInput } from "@wanpilot/common";
import { connectBus } from "@wanpilot/runtime";
import { silentLog as log, MemoryBus, startTestBroker, until } from "@wanpilot/testing";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { Store } from "../src/adapters/store.js";
import { run } from "../src/main.js";
import { openReport } from "../src/report.js";
import { health, iso, T0, tempDir, transition } from "./fixtures.js";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(loggerConfig: Record<string, unknown> = {}) {
  const tmp = tempDir();
  cleanups.push(tmp.remove);
  const broker = await startTestBroker();
  cleanups.push(() => broker.stop());
  const config = WanpilotConfigInput.parse({
    gateway: `svc${process.pid}`,
    bus: { url: broker.url, allow_no_credentials: true },
    links: [
      { name: "a", interface: "wan0" },
      { name: "b", interface: "wan1" },
    ],
    logger: { database: tmp.dbPath, ...loggerConfig },
  });
  const loggerBus = await connectBus({ config, component: { kind: "logger" }, log });
  cleanups.push(() => loggerBus.close());
  const service = await run({ config, log, bus: loggerBus });
  cleanups.push(() => service.stop());
  const prober = await connectBus({ config, component: { kind: "prober", link: "a" }, log });
  cleanups.push(() => prober.close());
  const acks: EventAck[] = [];
  await prober.subscribe("loggerAck", topics.loggerAck(config.gateway), (a) => acks.push(a));
  return { tmp, config, service, prober, acks };
}

describe("logger service", () => {
  it("stores boot time with transitions; a clock stepped ±30 days invents no outage and no negative time", async () => {
    const { tmp, config, prober, acks } = await setup();
    const topic = topics.linkEvent(config.gateway, "a");
    const D = 86_400_000;
    const boot = "0b5e7c1a-1111-4222-8333-444455556666";
    // Wall time as a gateway without RTC reads it: booted 30 days in the past, NTP steps it forward at
    // 50 s, a bad time source steps it back 30 days at 100 s and NTP forward again at 300 s.
    const base = Date.now() - 500_000;
    const offset = (bootMs: number) =>
      bootMs < 50_000 || (bootMs > 100_000 && bootMs < 300_000) ? -30 * D : 0;
    const at = (n: number, to: "up" | "down" | "degraded", bootMs: number) => ({
      ...transition(n, "a", to, base + bootMs + offset(bootMs)),
      boot,
      bootMs,
    });
    const events = [
      at(1, "up", 10_000),
      at(2, "down", 20_000),
      at(3, "up", 80_000),
      at(4, "down", 200_000),
      at(5, "up", 210_000),
      at(6, "degraded", 400_000),
    ];
    for (const e of events) await prober.publish("linkEvent", topic, e);
    await until("all acked", () => acks.flatMap((a) => a.ids).length >= events.length);
    const report = openReport(tmp.dbPath, { since: "1d", link: "a" });
    const a = report.links[0];
    expect(a?.outages.map((o) => o.durationMs)).toEqual([60_000, 10_000]);
    expect(a?.outages.every((o) => o.endMs !== null && o.endMs > o.startMs)).toBe(true);
    expect(report.clockSteps.map((st) => Math.round(st.stepMs / D))).toEqual([30, -30, 30]);
    expect(report.text).toContain("The wall clock stepped");
  });

  it("acks stored ids, again for a redelivery, and reports from the live database", async () => {
    const { tmp, config, service, prober, acks } = await setup();
    const topic = topics.linkEvent(config.gateway, "a");
    const events = [transition(1, "a", "up", T0), transition(2, "a", "down", T0 + 60_000)];
    for (const e of events) await prober.publish("linkEvent", topic, e);
    await until("both acked", () => acks.flatMap((a) => a.ids).length >= 2, 20_000);
    await prober.publish("linkEvent", topic, transition(2, "a", "down", T0 + 60_000));
    await until("the redelivery acked", () => acks.flatMap((a) => a.ids).length >= 3, 20_000);
    expect(acks.flatMap((a) => a.ids)).toEqual(["test-a-000001", "test-a-000002", "test-a-000002"]);
    expect(service.stats()).toMatchObject({ transitionsStored: 2, duplicates: 1, writeFailures: 0 });

    const report = openReport(tmp.dbPath, { since: T0, until: T0 + 120_000, nowMs: T0 + 120_000, link: "a" });
    expect(report.json.links).toEqual([
      expect.objectContaining({
        name: "a",
        availability: 0.5,
        outages: [{ start: iso(T0 + 60_000), end: null, durationMs: 60_000, cause: "step 2" }],
      }),
    ]);
    expect(report.text).toContain("ongoing");
  });

  it("stores health downsampled to one per link per health_every, and each link's state", async () => {
    const { tmp, config, service, prober } = await setup({ health_every: "5s" });
    const healthTopic = topics.linkHealth(config.gateway, "a");
    for (let i = 0; i < 20; i++) await prober.publish("linkHealth", healthTopic, health("a", T0 + i * 1000));
    const state: LinkState = {
      link: "a",
      state: "up",
      since: iso(T0),
      cause: "probes answer",
      interface: "wan0",
      source: null,
      gateway: null,
      carrier: true,
      rttMs: 12,
      lossRatio: 0,
      at: iso(T0 + 20_000),
    };
    await prober.publish("linkState", topics.linkState(config.gateway, "a"), state);
    // The state is written at once; health goes through the batch: wait for both.
    const readDb = () => new Database(tmp.dbPath, { readonly: true });
    const count = (sql: string) => {
      const db = readDb();
      try {
        return Number(db.prepare(sql).pluck().get());
      } finally {
        db.close();
      }
    };
    await until("4 health samples", () => service.stats().healthStored >= 4, 20_000);
    await until("the link state", () => count("SELECT count(*) FROM links") === 1, 20_000);
    const store = Store.open(tmp.dbPath, { readonly: true });
    cleanups.push(() => store.close());
    expect(store.healthSamples("a").map((h) => h.atMs - T0)).toEqual([0, 5000, 10_000, 15_000]);
    expect(store.links()).toMatchObject([{ name: "a", interface: "wan0", state: "up" }]);
    // A link known only from its state shows in the report, with nothing known yet.
    const report = openReport(tmp.dbPath, { since: T0, until: T0 + 1000, nowMs: T0 + 1000 });
    expect(report.json.links.map((l) => [l.name, l.availability])).toEqual([["a", null]]);
  });

  it("prunes health samples past the retention when it starts", async () => {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const D = 86_400_000;
    const seed = Store.open(tmp.dbPath);
    seed.insertHealth([health("a", T0), health("a", T0 + 95 * D)]);
    seed.close();
    const config = WanpilotConfigInput.parse({
      links: [{ name: "a", interface: "wan0" }],
      logger: { database: tmp.dbPath, health_retention: "90d" },
    });
    const service = await run({ config, log, bus: new MemoryBus(), now: () => T0 + 100 * D });
    await service.stop();
    const store = Store.open(tmp.dbPath, { readonly: true });
    cleanups.push(() => store.close());
    expect(store.healthSamples().map((h) => h.atMs)).toEqual([T0 + 95 * D]);
  });

  it("refuses to start on a database it cannot open", async () => {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const config = WanpilotConfigInput.parse({
      links: [{ name: "a", interface: "wan0" }],
      bus: { url: "mqtt://127.0.0.1:1", allow_no_credentials: true },
      logger: { database: tmp.dir },
    });
    await expect(run({ config, log, bus: new MemoryBus() })).rejects.toMatchObject({
      code: "DATABASE_FAILED",
    });
  });
});
