import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LinkTransition, topics } from "@wanpilot/common";
import { MemoryBus, silentLog, until } from "@wanpilot/testing";
import { afterEach, describe, expect, it } from "vitest";
import { EventOutbox } from "./event-outbox.js";

const gw = "gw1";
const topic = topics.linkEvent(gw, "dsl");
const event = (n: number): LinkTransition => ({
  id: `dsl:${String(n).padStart(8, "0")}`,
  link: "dsl",
  from: "up",
  to: "down",
  at: "2026-11-29T12:00:00.000Z",
  cause: "test",
});
const ack = (bus: MemoryBus, ...ids: string[]) =>
  bus.deliver("loggerAck", topics.loggerAck(gw), { ids, at: "2026-11-29T12:00:01.000Z" });
const sentIds = (bus: MemoryBus) => bus.of("linkEvent").map((p) => p.payload.id);

const outboxes: EventOutbox<"linkEvent">[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const o of outboxes.splice(0)) o.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function started(bus: MemoryBus, extra: { file?: string; resendMs?: number } = {}) {
  const o = new EventOutbox({ bus, gateway: gw, kind: "linkEvent", topic, log: silentLog, ...extra });
  outboxes.push(o);
  await o.start();
  return o;
}

describe("EventOutbox", () => {
  it("publishes an event at once and keeps it until the logger acknowledges its id", async () => {
    const bus = new MemoryBus();
    const o = await started(bus);
    o.add(event(1));
    o.add(event(2));
    await until("both published", () => sentIds(bus).length === 2);
    expect(bus.of("linkEvent").map((p) => p.topic)).toEqual([topic, topic]);
    ack(bus, event(1).id, "other:unknown");
    expect(o.pending).toBe(1);
    ack(bus, event(2).id);
    expect(o.pending).toBe(0);
  });

  it.each([
    { trigger: "a reconnect", fire: (bus: MemoryBus) => bus.reconnect() },
    {
      trigger: "the logger coming online",
      fire: async (bus: MemoryBus) =>
        bus.deliver("availability", topics.availability(gw, { kind: "logger" }), "online"),
    },
  ])("resends what is unacknowledged, oldest first, after $trigger", async ({ fire }) => {
    const bus = new MemoryBus();
    const o = await started(bus);
    o.add(event(1));
    o.add(event(2));
    o.add(event(3));
    ack(bus, event(2).id);
    await until("three published", () => sentIds(bus).length === 3);
    await fire(bus);
    await until("resent", () => sentIds(bus).length === 5);
    expect(sentIds(bus).slice(3)).toEqual([event(1).id, event(3).id]);
  });

  it("does not resend when the logger goes offline", async () => {
    const bus = new MemoryBus();
    const o = await started(bus);
    o.add(event(1));
    bus.deliver("availability", topics.availability(gw, { kind: "logger" }), "offline");
    await new Promise((r) => setImmediate(r));
    expect(sentIds(bus)).toEqual([event(1).id]);
  });

  it("resends on its timer while unacknowledged, and stops resending once acked or stopped", async () => {
    const bus = new MemoryBus();
    const o = await started(bus, { resendMs: 20 });
    o.add(event(1));
    await until("resent by the timer", () => sentIds(bus).length >= 3);
    ack(bus, event(1).id);
    const sends = (id: string) => sentIds(bus).filter((x) => x === id).length;
    const acked = sends(event(1).id);
    o.add(event(2));
    await until("the new one resent", () => sends(event(2).id) >= 2);
    expect(sends(event(1).id)).toBe(acked);
    o.stop();
    const sent = sentIds(bus).length;
    await new Promise((r) => setTimeout(r, 60));
    expect(sentIds(bus).length).toBe(sent);
  });

  it("survives a restart of its part in its file, and a publish failure keeps the event", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wanpilot-event-outbox-"));
    dirs.push(dir);
    const file = join(dir, "outbox", "prober-dsl.json");
    const first = new MemoryBus();
    first.failPublish = true;
    const a = await started(first, { file });
    a.add(event(1));
    a.add(event(2));
    ack(first, event(1).id);
    a.stop();

    const second = new MemoryBus();
    const b = await started(second, { file });
    expect(b.pending).toBe(1);
    // Started on a connected bus: resent at once, like after any connect.
    await until("resent after the restart", () => sentIds(second).length === 1);
    expect(sentIds(second)).toEqual([event(2).id]);
  });
});
