import { linkIdentity, MARK_MASK_DEFAULT, topics, validateConfig } from "@wanpilot/common";
import { createLab, type Lab } from "@wanpilot/lab";
import { MemoryBus, until } from "@wanpilot/testing";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../src/index.js";

// The prober runs in-process; everything it runs (ping, ip monitor) runs in the lab's gw namespace.
const log = pino({ level: process.env.LOG_LEVEL ?? "silent" });
let lab: Lab;

/**
 * Plays the DHCP client's part (a default route in main with a high metric, so it is not the gateway's
 * default) and the router's part (the link's own table and `ip rule fwmark <the link's mark>`: the prober's
 * pings carry the mark, so they leave through the link's table even out of the default route).
 */
async function routeLink(l: Lab, isp: number, table: number): Promise<void> {
  const i = l.isps[isp];
  if (i === undefined) throw new Error("no such isp");
  const via = ["via", i.modemAddress, "dev", i.wanInterface];
  await l.exec("gw", ["ip", "route", "replace", "default", ...via, "metric", String(1000 + table)]);
  await l.exec("gw", ["ip", "route", "replace", "default", ...via, "table", String(table)]);
  const mark =
    linkIdentity({ links: linksOf(l), balance: { mark_mask: MARK_MASK_DEFAULT } }, i.name)?.mark ?? 0;
  const rule = ["rule", "add", "fwmark", `${mark}/${MARK_MASK_DEFAULT}`, "lookup", String(table)];
  await l.exec("gw", ["ip", ...rule, "pref", String(1000 + table)]);
}

/** Every ISP of the lab is a link of the config, in order (so each has its own mark). */
const linksOf = (l: Lab) => l.isps.map((i) => ({ name: i.name, interface: i.wanInterface }));

function startProber(l: Lab, isp: number, probe: Record<string, unknown> = {}) {
  const i = l.isps[isp];
  if (i === undefined) throw new Error("no such isp");
  const parsed = validateConfig({
    gateway: "gw1",
    links: linksOf(l).map((link) => ({ ...link, probe: { targets: l.targets, ...probe } })),
  });
  if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
  const bus = new MemoryBus();
  const started = run({
    config: parsed.config,
    link: i.name,
    log,
    bus,
    commandPrefix: ["ip", "netns", "exec", l.ns.gw],
    healthIntervalMs: 500,
  });
  return { bus, started, name: i.name };
}

const stateOf = (bus: MemoryBus) => bus.of("linkState").at(-1)?.payload;
const transitionTo = (bus: MemoryBus, to: string, afterMs: number) =>
  bus.of("linkEvent").find((e) => e.payload.to === to && e.atMs >= afterMs);

beforeAll(async () => {
  lab = await createLab({ isps: 2, name: "prober", flowServer: false });
  await routeLink(lab, 0, 101);
  await routeLink(lab, 1, 102);
  // isp2 carries the default route; isp1 is out of it and must still be measured through its own table.
  await lab.setDefaultRoute([0, 1]);
}, 120_000);

afterAll(async () => {
  await lab?.destroy();
});

describe("prober on the real kernel", () => {
  it("a link out of the default route: up, upstream cut → down, restored → up", async () => {
    const p = startProber(lab, 0);
    const { stop } = await p.started;
    try {
      await until("first verdict up", () => stateOf(p.bus)?.state === "up", 5000);
      const first = stateOf(p.bus);
      expect(first).toMatchObject({ source: "198.18.1.2", gateway: "198.18.1.1", carrier: true });
      // Steady: the heartbeats go on, the retained state is published again only with a transition.
      const [states, events, beats] = (["linkState", "linkEvent", "linkHealth"] as const).map(
        (k) => p.bus.of(k).length,
      ) as [number, number, number];
      await until("three more heartbeats", () => p.bus.of("linkHealth").length >= beats + 3, 5000);
      expect(p.bus.of("linkState").length - states).toBe(p.bus.of("linkEvent").length - events);

      const cutAt = performance.now();
      await lab.cutUpstream(0);
      const down = await until("down after the upstream cut", () => transitionTo(p.bus, "down", cutAt), 8000);
      expect(down.payload.cause).toBe("no reply from 3/3 targets for 3 rounds");
      log.info({ downAfterMs: Math.round(down.atMs - cutAt) }, "measured");
      process.stdout.write(`MEASURED upstream cut → down: ${Math.round(down.atMs - cutAt)} ms\n`);

      const restoreAt = performance.now();
      await lab.restoreUpstream(0);
      const up = await until("up after restore", () => transitionTo(p.bus, "up", restoreAt), 15_000);
      expect(up.payload.cause).toBe("recovered after 10 good rounds");
      process.stdout.write(`MEASURED restore → up: ${Math.round(up.atMs - restoreAt)} ms\n`);
      expect(stateOf(p.bus)?.state).toBe("up");
    } finally {
      await stop();
    }
  });

  it("carrier down → down at once; carrier up → up after the up run", async () => {
    const p = startProber(lab, 1);
    const { stop } = await p.started;
    try {
      await until("up", () => stateOf(p.bus)?.state === "up", 5000);
      const t0 = performance.now();
      await lab.carrierDown(1);
      const down = await until("down on carrier loss", () => transitionTo(p.bus, "down", t0), 3000);
      expect(down.payload.cause).toBe("carrier lost on wan2");
      process.stdout.write(
        `MEASURED carrier down → down: ${Math.round(down.atMs - t0)} ms (incl. carrierDown's own wait)\n`,
      );
      expect(stateOf(p.bus)?.carrier).toBe(false);
      const t1 = performance.now();
      await lab.carrierUp(1);
      await until("up after carrier up", () => transitionTo(p.bus, "up", t1), 15_000);
    } finally {
      await stop();
    }
  });

  it("30 % loss → degraded, not down", async () => {
    const p = startProber(lab, 0);
    const { stop } = await p.started;
    try {
      await until("up", () => stateOf(p.bus)?.state === "up", 5000);
      const t0 = performance.now();
      await lab.setLoss(0, 30);
      const degraded = await until(
        "degraded under 30 % loss",
        () => transitionTo(p.bus, "degraded", t0),
        20_000,
      );
      expect(degraded.payload.cause).toMatch(/^loss \d+% over 20% threshold$/);
      // Hold the loss a while longer: the link must stay degraded, never down.
      await new Promise((r) => setTimeout(r, 10_000));
      expect(p.bus.of("linkEvent").filter((e) => e.atMs >= t0 && e.payload.to === "down")).toEqual([]);
      const health = p.bus.of("linkHealth").at(-1)?.payload;
      expect(health?.lossRatio).toBeGreaterThan(0.1);
      expect(health?.targets).toHaveLength(3);
    } finally {
      await lab.clearLoss(0);
      await stop();
    }
  });

  it("follows a learned address and gateway when the lease changes", async () => {
    const p = startProber(lab, 0);
    const { stop } = await p.started;
    try {
      await until("up", () => stateOf(p.bus)?.state === "up", 5000);
      const info = await lab.setWanAddress(0, { address: "198.18.21.2", gateway: "198.18.21.1" });
      const gw = (argv: string[]) => lab.exec("gw", ["ip", ...argv]);
      // The DHCP client installs its new default route in main. The router's table 101 still holds the old
      // gateway (written back here: the kernel flushed it with the old prefix): the prober must not learn
      // from wanpilot's own table, or the router would never follow.
      const changeAt = performance.now();
      await gw(["route", "replace", "default", "via", "198.18.1.1", "dev", "wan1", "table", "101", "onlink"]);
      await new Promise((r) => setTimeout(r, 300)); // let the prober see the stale route alone first
      await gw(["route", "replace", "default", "via", "198.18.21.1", "dev", "wan1", "metric", "1101"]);
      const s = await until(
        "the new source and gateway published",
        () => {
          const st = stateOf(p.bus);
          return st?.source === "198.18.21.2" && st.gateway === "198.18.21.1" ? st : undefined;
        },
        10_000,
      );
      expect(s.link).toBe(info.name);
      const learned = p.bus
        .of("linkState")
        .filter((x) => x.atMs > changeAt)
        .map((x) => x.payload.gateway);
      expect(learned).not.toContain("198.18.1.1");
      // The router follows what was published (the link's mark rule stays as it is).
      await gw(["route", "replace", "default", "via", "198.18.21.1", "dev", "wan1", "table", "101"]);
      // The old address is gone, so every answer in a window that starts after the change came from probes
      // sent from the new one (the ping processes were restarted bound to it).
      const changedAt = performance.now();
      const health = await until(
        "a full health window after the change",
        () => p.bus.of("linkHealth").find((h) => h.atMs > changedAt + h.payload.windowMs + 500)?.payload,
        40_000,
      );
      expect(health.targets.map((t) => [t.lossRatio, t.samples > 40])).toEqual([
        [0, true],
        [0, true],
        [0, true],
      ]);
      expect(stateOf(p.bus)).toMatchObject({ state: "up", source: "198.18.21.2", gateway: "198.18.21.1" });
    } finally {
      await stop();
    }
  });

  it("keeps transitions until the logger acknowledges them, republishing on reconnect", async () => {
    const p = startProber(lab, 1);
    const { stop, prober } = await p.started;
    try {
      await until("first transition", () => p.bus.of("linkEvent").length > 0, 5000);
      expect(prober.unacknowledged).toBe(1);
      const before = p.bus.of("linkEvent").length;
      await p.bus.reconnect();
      expect(p.bus.of("linkEvent").length).toBe(before + 1);
      const ids = p.bus.of("linkEvent").map((e) => e.payload.id);
      p.bus.deliver("loggerAck", topics.loggerAck("gw1"), { ids, at: new Date().toISOString() });
      expect(prober.unacknowledged).toBe(0);
      await p.bus.reconnect();
      expect(p.bus.of("linkEvent").length).toBe(before + 1);
    } finally {
      await stop();
    }
  });
});

describe("two look-alike links (same address, same gateway address)", () => {
  let alike: Lab;
  beforeAll(async () => {
    alike = await createLab({ isps: 2, name: "proalike", flowServer: false, sameWanAddress: true });
    await routeLink(alike, 0, 101);
    await routeLink(alike, 1, 102);
    // Only wan1 is in the main table's default route: by address alone every probe would leave by wan1.
    await alike.exec("gw", ["ip", "route", "del", "default", "metric", "1102"]);
  }, 120_000);
  afterAll(async () => {
    await alike?.destroy();
  });

  it("each prober measures its own link: a cut ISP takes down only its link", async () => {
    const fast = { interval: "100ms", timeout: "300ms", up: 3 };
    const probers = [startProber(alike, 0, fast), startProber(alike, 1, fast)];
    const stops = await Promise.all(probers.map(async (p) => (await p.started).stop));
    const states = () => probers.map((p) => stateOf(p.bus)?.state);
    try {
      await until("both up", () => states().every((s) => s === "up"), 5000);
      expect(probers.map((p) => stateOf(p.bus)?.source)).toEqual(["198.18.50.100", "198.18.50.100"]);
      for (const [cut, expected] of [
        ["isp1", ["down", "up"]],
        ["isp2", ["up", "down"]],
      ] as const) {
        const at = performance.now();
        await alike.cutUpstream(cut);
        await until(`${cut} cut: ${expected.join(", ")}`, () => states().join() === expected.join(), 5000);
        // Stays so: the other link never went down meanwhile.
        await new Promise((r) => setTimeout(r, 1000));
        expect(states()).toEqual(expected);
        const downs = probers.map((p) =>
          p.bus.of("linkEvent").filter((e) => e.atMs >= at && e.payload.to === "down"),
        );
        expect(downs.map((d) => d.length)).toEqual(expected.map((s) => (s === "down" ? 1 : 0)));
        await alike.restoreUpstream(cut);
        await until(`${cut} restored: both up`, () => states().every((s) => s === "up"), 10_000);
      }
    } finally {
      await Promise.all(stops.map((stop) => stop()));
    }
  });
});
