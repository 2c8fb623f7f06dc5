import type { LinkState, LinkStateName } from "@wanpilot/common";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import type { ApplyResult, Kernel } from "./adapters/kernel.js";
import { Controller } from "./controller.js";
import { config } from "./core/fixtures.js";
import type { Command, ObservedState } from "./core/model.js";

// A fake kernel at the edge: records what it is asked to apply; what the kernel does is tested in test/.
function fakeKernel() {
  const applied: Command[][] = [];
  const empty: ObservedState = {
    rules: [],
    routes: [],
    nexthops: [],
    nftHash: null,
    nftVias: {},
    sysctls: {},
  };
  let reads = 0;
  let addressReads = 0;
  let counts = 0;
  const kernel: Kernel = {
    observe: async () => {
      reads++;
      return empty;
    },
    addresses: async () => {
      addressReads++;
      return new Map();
    },
    apply: async (cmds): Promise<ApplyResult> => {
      applied.push(cmds);
      await new Promise((r) => setTimeout(r, 5));
      const flushed = cmds.flatMap((c) =>
        c.kind === "conntrack-flush" ? [{ link: c.link, connections: 2 }] : [],
      );
      return { flushed, errors: [] };
    },
    connectionsByMark: async () => {
      counts++;
      await new Promise((r) => setTimeout(r, 20));
      return new Map([[0x1000000, 3]]);
    },
  };
  return { kernel, applied, reads: () => reads, addressReads: () => addressReads, counts: () => counts };
}

const state = (link: string, s: LinkStateName, gateway: string): LinkState => ({
  link,
  state: s,
  since: "2026-11-29T12:00:00.000Z",
  cause: "test",
  interface: "x",
  source: null,
  gateway,
  carrier: true,
  rttMs: null,
  lossRatio: null,
  at: "2026-11-29T12:00:00.000Z",
});

function make() {
  const f = fakeKernel();
  let n = 0;
  const c = new Controller({
    config: config(),
    log: pino({ level: "silent" }),
    kernel: f.kernel,
    now: () => new Date("2026-11-29T12:00:00.000Z"),
    newId: () => `event-000${++n}`,
  });
  return { c, ...f };
}

describe("Controller", () => {
  it("a count still running is shared, never started twice (a big table can outlast the interval)", async () => {
    const { c, counts } = make();
    await c.reconcile("start", true);
    await Promise.all([c.state(true), c.state(true), c.state(true)]);
    expect(counts()).toBe(1);
    await c.state(true);
    expect(counts()).toBe(2);
  });

  it("states arriving together are applied in one reconcile, with all their reasons", async () => {
    const { c, applied } = make();
    await c.reconcile("start", true);
    const before = applied.length;
    const runs = [
      c.onLinkState(state("dsl", "up", "198.18.1.1")),
      c.onLinkState(state("cable", "up", "198.18.2.1")),
      c.onLinkState(state("lte", "up", "198.18.3.1")),
    ];
    const results = await Promise.all(runs);
    // Arriving together, before the reconcile they start has run, all three are applied in one batch.
    expect(applied.length - before).toBe(1);
    const reasons = results.flatMap((r) => (r?.change ? [r.change.reason] : []));
    expect(reasons.join(" ")).toMatch(
      /dsl unknown → up: test; cable unknown → up: test; lte unknown → up: test/,
    );
  });

  it("a repeated state applies nothing; a down link's connections are flushed and reported", async () => {
    const { c, applied } = make();
    await c.reconcile("start", true);
    await c.onLinkState(state("dsl", "up", "198.18.1.1"));
    await c.onLinkState(state("cable", "up", "198.18.2.1"));
    const count = applied.length;
    const repeated = await c.onLinkState(state("dsl", "up", "198.18.1.1"));
    expect([repeated?.commands, repeated?.change, applied.length]).toEqual([[], null, count]);
    const down = await c.onLinkState(state("dsl", "down", "198.18.1.1"));
    expect(applied.length).toBe(count + 1);
    expect(down?.change).toMatchObject({
      id: expect.stringMatching(/^event-/),
      flushed: [{ link: "dsl", connections: 2 }],
      defaultRoute: { tier: 1, nexthops: [{ link: "cable", weight: 4 }], mode: "balanced" },
    });
    const published = await c.state(true);
    expect(published?.lastChange?.reason).toMatch(
      /^dsl up → down: test → default route balanced via cable\(4\)/,
    );
    expect(published?.links.map((l) => [l.link, l.connections])).toEqual([
      ["dsl", 3],
      ["cable", 0],
      ["lte", 0],
    ]);
  });

  it("a link not in the config is ignored; a new source re-reads the kernel", async () => {
    const { c, reads } = make();
    await c.reconcile("start", true);
    expect(c.onLinkState(state("other", "up", "198.18.9.1"))).toBeNull();
    const before = reads();
    await c.onLinkState({ ...state("dsl", "up", "198.18.1.1"), source: "198.18.1.2" });
    expect(reads()).toBe(before + 1);
  });

  it("reads the interfaces' addresses at start and when a prober publishes new ones, not on every resync", async () => {
    const { c, reads, addressReads } = make();
    await c.reconcile("start", true);
    const dsl = { ...state("dsl", "up", "198.18.1.1"), source: "198.18.1.2", prefixLength: 30 };
    await c.onLinkState(dsl);
    expect([reads(), addressReads()]).toEqual([2, 2]);
    await c.reconcile("resync", true);
    await c.onLinkState({ ...dsl, state: "down" });
    expect([reads(), addressReads()]).toEqual([3, 2]);
    // A renewed lease with another netmask: same address, another prefix.
    await c.onLinkState({ ...dsl, prefixLength: 24 });
    expect([reads(), addressReads()]).toEqual([4, 3]);
  });
});
