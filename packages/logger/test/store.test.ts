import { isWanpilotError } from "@wanpilot/common";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SCHEMA_VERSION } from "../src/adapters/migrations.js";
import { Store } from "../src/adapters/store.js";
import { openReport } from "../src/report.js";
import { health, routeChange, T0, tempDir, transition } from "./fixtures.js";

const D = 86_400_000;

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err: unknown) {
    return err;
  }
  return undefined;
}

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.remove());

describe("Store", () => {
  it("rollups agree with the raw samples, count a redelivered sample once and are pruned with them", () => {
    const store = Store.open(tmp.dbPath, { healthEveryMs: 10_000 });
    const samples = Array.from({ length: 360 }, (_, i) => ({
      ...health("a", T0 + i * 10_000, (i % 5) / 10),
      rtt: i % 9 === 0 ? null : { meanMs: 10 + (i % 13), minMs: 5, maxMs: 30 + (i % 11), jitterMs: 1 },
    }));
    store.insertHealth(samples);
    store.insertHealth(samples.slice(0, 50));
    const raw = store.healthSeries("a", T0, T0 + 3_600_000, 30_000);
    const minute = store.healthSeries("a", T0, T0 + 3_600_000, 300_000);
    const quarter = store.healthSeries("a", T0, T0 + 3_600_000, 900_000);
    const mean = (xs: (number | null)[]) => {
      const v = xs.filter((x): x is number => x !== null);
      return v.reduce((a, b) => a + b, 0) / v.length;
    };
    const expected = (from: number, n: number) => {
      const part = samples.slice(from, from + n);
      return {
        rtt: mean(part.map((s) => s.rtt?.meanMs ?? null)),
        max: Math.max(...part.flatMap((s) => (s.rtt === null ? [] : [s.rtt.maxMs]))),
        loss: mean(part.map((s) => s.lossRatio)),
      };
    };
    expect(raw).toHaveLength(120);
    for (const [points, n] of [
      [minute, 30],
      [quarter, 90],
    ] as const) {
      expect(points).toHaveLength(360 / n);
      points.forEach((p, k) => {
        const e = expected(k * n, n);
        expect(p.samples).toBe(n);
        expect(p.rttMeanMs).toBeCloseTo(e.rtt, 9);
        expect(p.rttMaxMs).toBe(e.max);
        expect(p.lossRatio).toBeCloseTo(e.loss, 9);
      });
    }
    store.pruneHealth(T0 + 1_800_000, 0);
    expect(store.healthSeries("a", T0, T0 + 3_600_000, 900_000).map((p) => p.atMs)).toEqual([
      T0 + 1_800_000,
      T0 + 2_700_000,
    ]);
    store.close();
  });

  it("serves a link's health downsampled: one point per step, averaged, only inside the window", () => {
    const store = Store.open(tmp.dbPath, { healthEveryMs: 1000 });
    // One sample a second for 10 minutes: loss 0 on even seconds, 0.5 on odd ones.
    store.insertHealth(
      Array.from({ length: 600 }, (_, i) => health("a", T0 + i * 1000, i % 2 === 0 ? 0 : 0.5)),
    );
    store.insertHealth([health("b", T0, 1)]);
    const points = store.healthSeries("a", T0 + 60_000, T0 + 360_000, 60_000);
    expect(points.map((p) => p.atMs)).toEqual([1, 2, 3, 4, 5].map((m) => T0 + m * 60_000));
    for (const p of points)
      expect(p).toMatchObject({ rttMeanMs: 12, rttMaxMs: 15, lossRatio: 0.25, samples: 60 });
    expect(store.healthSeries("a", T0 + 600_000, T0 + 700_000, 60_000)).toEqual([]);
    store.insertRouteChanges([routeChange(1, T0), routeChange(2, T0 + 5000)]);
    expect(store.routeChanges(T0 + 1, T0 + 10_000).map((r) => [r.id, r.defaultRoute.mode])).toEqual([
      ["route-000002", "balanced"],
    ]);
    store.close();
  });

  it("creates a WAL database at the current schema version, in a directory it creates; rollback mode once closed", () => {
    const path = `${tmp.dir}/nested/dir/wanpilot.db`;
    const store = Store.open(path);
    expect(store.schemaVersion()).toBe(SCHEMA_VERSION);
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
    raw.close();
    store.close();
    // Readers that may not create the -shm file read it with the logger stopped.
    const after = new Database(path, { readonly: true });
    expect(after.pragma("journal_mode", { simple: true })).toBe("delete");
    after.close();
  });

  it("stores each transition and route change exactly once, across reopenings", () => {
    const batch = [transition(1, "a", "up", T0), transition(2, "a", "down", T0 + 1000)];
    let store = Store.open(tmp.dbPath);
    expect(store.insertTransitions(batch)).toBe(2);
    expect(store.insertTransitions(batch)).toBe(0);
    expect(store.insertRouteChanges([routeChange(1, T0), routeChange(1, T0)])).toBe(1);
    store.close();
    store = Store.open(tmp.dbPath);
    expect(store.insertTransitions([...batch, transition(3, "a", "up", T0 + 2000)])).toBe(1);
    expect(store.transitions().map((t) => [t.id, t.to, t.atMs])).toEqual([
      ["test-a-000001", "up", T0],
      ["test-a-000002", "down", T0 + 1000],
      ["test-a-000003", "up", T0 + 2000],
    ]);
    expect(store.routeChangeIds()).toEqual(["route-000001"]);
    store.close();
  });

  it("keeps one health sample per link per health_every", () => {
    const store = Store.open(tmp.dbPath, { healthEveryMs: 10_000 });
    const samples = Array.from({ length: 30 }, (_, i) => [
      health("a", T0 + i * 2000),
      health("b", T0 + i * 2000),
    ]);
    expect(store.insertHealth(samples.flat())).toBe(12);
    expect(store.healthSamples("a").map((h) => h.atMs - T0)).toEqual([
      0, 10_000, 20_000, 30_000, 40_000, 50_000,
    ]);
    store.close();
  });

  it("prunes health samples older than the retention, not transitions", () => {
    const now = T0 + 200 * D;
    const store = Store.open(tmp.dbPath, { now: () => now });
    store.insertHealth([health("a", now - 100 * D), health("a", now - 89 * D), health("a", now - 1000)]);
    store.insertTransitions([transition(1, "a", "up", now - 150 * D)]);
    expect(store.pruneHealth(now, 90 * D)).toBe(1);
    expect(store.healthSamples().map((h) => now - h.atMs)).toEqual([89 * D, 1000]);
    expect(store.pruneHealth(now + 89 * D, 90 * D)).toBe(1);
    expect(store.healthSamples().map((h) => now - h.atMs)).toEqual([1000]);
    expect(store.transitions()).toHaveLength(1);
    store.close();
  });

  it("remembers each link's last retained state", () => {
    const store = Store.open(tmp.dbPath);
    const state = {
      link: "a",
      state: "up" as const,
      since: new Date(T0).toISOString(),
      cause: "probes answer",
      interface: "wan0",
      source: null,
      gateway: null,
      carrier: true,
      rttMs: 10,
      lossRatio: 0,
      at: new Date(T0 + 5000).toISOString(),
    };
    expect(store.upsertLinkState(state)).toBe(true);
    const down = { ...state, state: "down" as const, since: new Date(T0 + 4000).toISOString() };
    expect(store.upsertLinkState(down)).toBe(true);
    // The same state again (a reconnect), or with news the table does not keep: not written.
    const again = { ...down, source: "198.18.1.2", at: new Date(T0 + 9000).toISOString() };
    expect(store.upsertLinkState(again)).toBe(false);
    expect(store.links()).toEqual([
      {
        name: "a",
        interface: "wan0",
        state: "down",
        sinceMs: T0 + 4000,
        cause: "probes answer",
        seenMs: T0 + 5000,
      },
    ]);
    store.close();
  });
});

describe("Store migrations", () => {
  /** A version 1 database as wanpilot 0.1 wrote it, written by hand (not from MIGRATIONS). */
  function writeV1(path: string): void {
    const db = new Database(path);
    db.pragma("journal_mode = WAL");
    db.exec(`
      CREATE TABLE link_transitions (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, link TEXT NOT NULL,
        from_state TEXT NOT NULL, to_state TEXT NOT NULL, at_ms INTEGER NOT NULL, cause TEXT NOT NULL,
        received_ms INTEGER NOT NULL);
      CREATE TABLE route_changes (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, at_ms INTEGER NOT NULL,
        reason TEXT NOT NULL, default_route TEXT NOT NULL, flushed TEXT NOT NULL, received_ms INTEGER NOT NULL);
      INSERT INTO link_transitions VALUES (1, 'old-event-0001', 'a', 'up', 'down', ${T0}, 'carrier lost', ${T0});
      PRAGMA user_version = 1;`);
    db.close();
  }

  it("builds the health rollups from the samples of a version 4 database", () => {
    const store = Store.open(tmp.dbPath, { healthEveryMs: 1000 });
    store.insertHealth(
      Array.from({ length: 1800 }, (_, i) => health("a", T0 + i * 1000, i % 2 === 0 ? 0 : 0.5)),
    );
    const before = store.healthSeries("a", T0, T0 + 1_800_000, 900_000);
    store.close();
    const db = new Database(tmp.dbPath);
    db.exec("DROP TABLE health_rollups; PRAGMA user_version = 4;");
    db.close();
    const again = Store.open(tmp.dbPath);
    expect(again.schemaVersion()).toBe(SCHEMA_VERSION);
    expect(again.healthSeries("a", T0, T0 + 1_800_000, 900_000)).toEqual(before);
    expect(before.map((p) => p.samples)).toEqual([900, 900]);
    again.close();
  });

  it("migrates a version 1 database and keeps its rows", () => {
    writeV1(tmp.dbPath);
    const store = Store.open(tmp.dbPath);
    expect(store.schemaVersion()).toBe(SCHEMA_VERSION);
    expect(store.transitions()).toEqual([
      { id: "old-event-0001", link: "a", from: "up", to: "down", atMs: T0, cause: "carrier lost" },
    ]);
    expect(store.insertTransitions([transition(1, "a", "up", T0 + 1000)])).toBe(1);
    expect(store.insertHealth([health("a", T0)])).toBe(1);
    store.close();
  });

  it("refuses to migrate read-only, telling how", () => {
    writeV1(tmp.dbPath);
    const err = thrown(() => Store.open(tmp.dbPath, { readonly: true }));
    expect(isWanpilotError(err, "DATABASE_FAILED")).toBe(true);
    expect((err as Error).message).toMatch(/schema version 1 and needs migrating/);
  });

  it("refuses a database from a newer wanpilot", () => {
    const db = new Database(tmp.dbPath);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    const err = thrown(() => Store.open(tmp.dbPath));
    expect(isWanpilotError(err, "DATABASE_FAILED")).toBe(true);
    expect((err as Error).message).toMatch(/newer than this wanpilot knows/);
  });
});

describe("Store errors", () => {
  it.each([
    {
      name: "a directory",
      path: () => tmp.dir,
      message: /cannot open database .*: .*the path is a directory/,
    },
    {
      name: "a place that cannot be created",
      path: () => "/proc/wanpilot-nowhere/wanpilot.db",
      message: /cannot open database \/proc\/wanpilot-nowhere/,
    },
  ])("opening $name is DATABASE_FAILED with a clear message", ({ path, message }) => {
    const err = thrown(() => Store.open(path()));
    expect(isWanpilotError(err, "DATABASE_FAILED")).toBe(true);
    expect((err as Error).message).toMatch(message);
  });

  it("reading a missing database is DATABASE_FAILED", () => {
    const err = thrown(() => Store.open(`${tmp.dir}/missing.db`, { readonly: true }));
    expect(isWanpilotError(err, "DATABASE_FAILED")).toBe(true);
    expect((err as Error).message).toMatch(/cannot read database/);
  });

  it("a report without a database says the logger has not run", () => {
    const err = thrown(() => openReport(`${tmp.dir}/missing.db`));
    expect(isWanpilotError(err, "DATABASE_FAILED")).toBe(true);
    expect((err as Error).message).toMatch(/no database at .*missing\.db: the logger has not run/);
  });

  it("a report migrates an old database rather than failing", () => {
    const db = new Database(tmp.dbPath);
    db.exec(`CREATE TABLE link_transitions (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, link TEXT NOT NULL,
        from_state TEXT NOT NULL, to_state TEXT NOT NULL, at_ms INTEGER NOT NULL, cause TEXT NOT NULL,
        received_ms INTEGER NOT NULL);
      CREATE TABLE route_changes (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, at_ms INTEGER NOT NULL,
        reason TEXT NOT NULL, default_route TEXT NOT NULL, flushed TEXT NOT NULL, received_ms INTEGER NOT NULL);
      INSERT INTO link_transitions VALUES (1, 'old-event-0001', 'a', 'unknown', 'up', ${T0}, 'probes answer', ${T0});
      PRAGMA user_version = 1;`);
    db.close();
    const report = openReport(tmp.dbPath, { since: T0, until: T0 + 1000, nowMs: T0 + 1000 });
    expect(report.json.links.map((l) => [l.name, l.availability])).toEqual([["a", 1]]);
  });

  it("a write that fails is DATABASE_FAILED", () => {
    const store = Store.open(tmp.dbPath);
    store.close();
    const err = thrown(() => store.insertTransitions([transition(1, "a", "up", T0)]));
    expect(isWanpilotError(err, "DATABASE_FAILED")).toBe(true);
    expect((err as Error).message).toMatch(/cannot write to database/);
  });

  it("a read-only database refuses writes with DATABASE_FAILED", () => {
    Store.open(tmp.dbPath).close();
    const store = Store.open(tmp.dbPath, { readonly: true });
    const err = thrown(() => store.insertTransitions([transition(1, "a", "up", T0)]));
    expect(isWanpilotError(err, "DATABASE_FAILED")).toBe(true);
    expect((err as Error).message).toMatch(/readonly/);
    store.close();
  });
});
