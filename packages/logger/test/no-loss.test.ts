import { setTimeout as sleep } from "node:timers/promises";
import {
  type LinkStateName,
  type LinkTransition,
  type RouteChange,
  topics,
  type WanpilotConfig,
  WanpilotConfigInput,
} from "@wanpilot/common";
import { type Bus, connectBus } from "@wanpilot/runtime";
import { silentLog as log, startTestBroker, type TestBroker, until } from "@wanpilot/testing";
import { afterEach, describe, expect, it } from "vitest";
import { Store } from "../src/adapters/store.js";
import { type LoggerService, run } from "../src/main.js";
import { openReport } from "../src/report.js";
import { routeChange, T0, tempDir, transition } from "./fixtures.js";
import { OutboxPublisher } from "./helpers/outbox-publisher.js";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The broker is external to the config (bus.url, anonymous), as with `bus.url` and a Mosquitto. */
function configFor(dbPath: string, gateway: string, broker: TestBroker): WanpilotConfig {
  return WanpilotConfigInput.parse({
    gateway,
    bus: { url: broker.url, allow_no_credentials: true },
    links: [
      { name: "a", interface: "wan0" },
      { name: "b", interface: "wan1" },
    ],
    logger: { database: dbPath },
  });
}

/** A logger process: its own bus connection and service; `restart` is a kill and a fresh start on the same DB. */
class LoggerProcess {
  private bus: Bus | undefined;
  service: LoggerService | undefined;
  constructor(private readonly config: WanpilotConfig) {}
  async start(): Promise<void> {
    this.bus = await connectBus({ config: this.config, component: { kind: "logger" }, log });
    this.service = await run({ config: this.config, log, bus: this.bus });
  }
  async stop(): Promise<void> {
    await this.service?.stop();
    await this.bus?.close();
    this.service = undefined;
    this.bus = undefined;
  }
}

describe("no transition is lost or doubled", () => {
  it("across logger, prober and broker restarts during a run of failovers", async () => {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const gateway = `noloss${process.pid}`;
    const broker = await startTestBroker();
    cleanups.push(() => broker.stop());
    const config = configFor(tmp.dbPath, gateway, broker);
    const logger = new LoggerProcess(config);
    await logger.start();
    cleanups.push(() => logger.stop());

    const publisher = (link: string | null, outbox?: OutboxPublisher["outbox"]) =>
      OutboxPublisher.start({
        config,
        component: link === null ? { kind: "router" } : { kind: "prober", link },
        ...(outbox === undefined ? {} : { outbox }),
      });
    const probers = new Map([
      ["a", await publisher("a")],
      ["b", await publisher("b")],
    ]);
    let router = await publisher(null);
    cleanups.push(async () => {
      for (const p of [...probers.values(), router]) await p.close();
    });

    // What actually happened: every event, in order, as the publishers emitted it.
    const happened: LinkTransition[] = [];
    const routes: RouteChange[] = [];
    const stateOf = new Map<string, LinkStateName>();
    let step = 0;
    const failovers = async (n: number, links = ["a", "b"]): Promise<void> => {
      for (let i = 0; i < n; i++) {
        step += 1;
        const link = links[step % links.length] ?? "a";
        const to: LinkStateName = stateOf.get(link) === "up" ? "down" : "up";
        const t = { ...transition(step, link, to, T0 + step * 1000), from: stateOf.get(link) ?? "unknown" };
        stateOf.set(link, to);
        happened.push(t);
        probers.get(link)?.emitTransition(t);
        const r = routeChange(step, T0 + step * 1000 + 1);
        routes.push(r);
        router.emitRouteChange(r);
        // Pacing so restarts land in the middle of the traffic, not a wait for any result.
        await sleep(3);
      }
    };

    await failovers(15);
    await logger.stop(); // the logger dies mid-run…
    await failovers(15); // …events go on while nobody stores them…
    await logger.start(); // …and it comes back on the same database.
    await failovers(15);

    // A prober restarts: it is killed with events unacked and comes back with its outbox from disk.
    const proberA = probers.get("a");
    await failovers(4, ["a"]);
    await proberA?.close();
    probers.set("a", await publisher("a", proberA?.outbox));
    await router.close();
    router = await publisher(null, router.outbox);
    await failovers(10);

    await broker.stop(); // the broker dies mid-run…
    await failovers(15);
    await broker.start(); // …and comes back on the same port with no memory of anyone.
    // Everyone reconnects by themselves: 2 probers, the router, the logger.
    await until("every client back on the new broker", () => broker.clientsSinceStart >= 4, 30_000);
    await failovers(15);

    const all = [...probers.values(), router];
    await until("every event acked", () => all.every((p) => p.outbox.size === 0), 60_000);

    const store = Store.open(tmp.dbPath, { readonly: true });
    cleanups.push(() => store.close());
    const stored = store.transitions();
    expect(stored).toHaveLength(happened.length);
    expect(stored).toEqual(
      [...happened]
        .sort((x, y) => Date.parse(x.at) - Date.parse(y.at))
        .map((t) => ({
          id: t.id,
          link: t.link,
          from: t.from,
          to: t.to,
          atMs: Date.parse(t.at),
          cause: t.cause,
        })),
    );
    expect(store.routeChangeIds()).toEqual(routes.map((r) => r.id));

    // The report over the run agrees with what happened: one outage per transition into down.
    const report = openReport(tmp.dbPath, {
      since: T0,
      until: T0 + (step + 1) * 1000,
      nowMs: T0 + (step + 1) * 1000,
    });
    for (const link of ["a", "b"]) {
      const downs = happened.filter((t) => t.link === link && t.to === "down").length;
      expect(report.links.find((l) => l.link === link)?.outages).toHaveLength(downs);
    }
  });

  it("without an outbox, events published while the logger is away are lost (why publishers keep one)", async () => {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const gateway = `lossy${process.pid}`;
    const broker = await startTestBroker();
    cleanups.push(() => broker.stop());
    const config = configFor(tmp.dbPath, gateway, broker);
    const bus = await connectBus({ config, component: { kind: "prober", link: "a" }, log });
    cleanups.push(() => bus.close());
    const topic = topics.linkEvent(gateway, "a");
    await bus.publish("linkEvent", topic, transition(1, "a", "up", T0));
    const logger = new LoggerProcess(config);
    await logger.start();
    cleanups.push(() => logger.stop());
    await bus.publish("linkEvent", topic, transition(2, "a", "down", T0 + 1000));
    await until(
      "the second event stored",
      () => (logger.service?.stats().transitionsStored ?? 0) >= 1,
      30_000,
    );
    const store = Store.open(tmp.dbPath, { readonly: true });
    cleanups.push(() => store.close());
    expect(store.transitions().map((t) => t.id)).toEqual(["test-a-000002"]);
  });
});
