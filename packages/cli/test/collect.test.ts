import { once } from "node:events";
import { createServer, type Server } from "node:net";
import { type LinkHealth, type LinkState, type RouterState, topics, validateConfig } from "@wanpilot/common";
import { linkStateFixture } from "@wanpilot/testing";
import { Aedes } from "aedes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectRetained } from "../src/status/collect.js";
import { statusComplete } from "../src/status/view.js";

// A loaded gateway: the broker takes 600 ms to accept a login (longer than status's 250 ms quiet period)
// and the link's retained state comes 600 ms after the others; its heartbeat (not retained) 600 ms later.
const DELAY_MS = 600;
const parsed = validateConfig({ gateway: "gw1", links: [{ name: "dsl", interface: "wan1" }] });
if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
const config = parsed.config;
let broker: Aedes;
let server: Server;
let url: string;

function publish(topic: string, payload: string, retain = false): void {
  broker.publish({ cmd: "publish", topic, payload, qos: 1, retain, dup: false }, () => undefined);
}
const retain = (topic: string, payload: string) => publish(topic, payload, true);

const at = new Date().toISOString();
const dslState: LinkState = linkStateFixture("dsl", "up", {
  since: at,
  source: "198.18.1.2",
  gateway: "198.18.1.1",
  rttMs: 1,
  lossRatio: 0,
  at,
});

const dslHealth: LinkHealth = {
  link: "dsl",
  at,
  windowMs: 20_000,
  state: "up",
  rtt: { meanMs: 2, minMs: 1, maxMs: 3, jitterMs: 0.5 },
  lossRatio: 0.05,
  targets: [],
};

beforeAll(async () => {
  broker = await Aedes.createBroker({
    authenticate: (_client, _user, _password, done) => {
      setTimeout(() => done(null, true), DELAY_MS);
    },
  });
  server = createServer(broker.handle);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  url = `mqtt://127.0.0.1:${(server.address() as { port: number }).port}`;
  for (const part of [
    { kind: "prober", link: "dsl" },
    { kind: "router" },
    { kind: "logger" },
    { kind: "observer" },
  ] as const)
    retain(topics.availability("gw1", part), "online");
  // The link's state arrives late, as from a broker that was not scheduled for a while.
  broker.on("subscribe", () => {
    setTimeout(() => retain(topics.linkState("gw1", "dsl"), JSON.stringify(dslState)), DELAY_MS);
    setTimeout(() => publish(topics.linkHealth("gw1", "dsl"), JSON.stringify(dslHealth)), 2 * DELAY_MS);
  });
});

afterAll(async () => {
  server.close();
  await new Promise<void>((r) => broker.close(() => r()));
});

describe("collectRetained on a slow broker", () => {
  it("status waits, past the quiet period, for what its table needs", async () => {
    const routerState: RouterState = {
      at,
      defaultRoute: { tier: null, nexthops: [], mode: "none" },
      links: [],
      rules: [],
      lastChange: null,
    };
    retain(topics.routerState("gw1"), JSON.stringify(routerState));
    const snap = await collectRetained(url, "gw1", { complete: statusComplete(config), maxMs: 3000 });
    expect(snap.availability.get("router")).toBe("online");
    expect(snap.links.get("dsl")?.state).toBe("up");
    // The loss now, not the one the state carried when the link last changed.
    expect(snap.health.get("dsl")?.lossRatio).toBe(0.05);
  });
});
