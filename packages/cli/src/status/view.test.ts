import { validateConfig } from "@wanpilot/common";
import { describe, expect, it } from "vitest";
import { applyMessage, emptySnapshot } from "./collect.js";
import { age, formatStatus } from "./format.js";
import { buildStatusView } from "./view.js";

const parsed = validateConfig({
  gateway: "gw",
  links: [
    { name: "dsl", interface: "wan1", weight: 1 },
    { name: "cable", interface: "wan2", weight: 4 },
  ],
});
if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
const config = parsed.config;
const now = Date.parse("2026-11-29T12:00:00Z");

function linkState(link: string, state: string) {
  return Buffer.from(
    JSON.stringify({
      link,
      state,
      since: "2026-11-29T11:57:30Z",
      cause: "test",
      interface: link === "dsl" ? "wan1" : "wan2",
      source: "198.18.1.2",
      gateway: "198.18.1.1",
      carrier: true,
      rttMs: 12.5,
      lossRatio: 0.05,
      at: "2026-11-29T11:59:59Z",
    }),
  );
}

describe("status view", () => {
  it("shows unknown links and processes when nothing is retained", () => {
    const view = buildStatusView(config, emptySnapshot());
    expect(view.links.map((l) => [l.name, l.state, l.weight, l.active, l.connections])).toEqual([
      ["dsl", "unknown", 1, false, null],
      ["cable", "unknown", 4, false, null],
    ]);
    expect(view.processes.router).toEqual({ availability: "unknown", restarts: null, pid: null });
    expect(formatStatus(view, now)).toContain("default route: unknown (router not reporting)");
  });

  it("combines link states, the router's view and availability; ignores invalid payloads", () => {
    const snap = emptySnapshot();
    expect(applyMessage(snap, "wanpilot/gw/link/dsl/state", linkState("dsl", "up"))).toBe(true);
    expect(applyMessage(snap, "wanpilot/gw/link/cable/state", linkState("cable", "down"))).toBe(true);
    expect(applyMessage(snap, "wanpilot/gw/link/cable/state", Buffer.from("{bad"))).toBe(false);
    expect(applyMessage(snap, "wanpilot/gw/availability/prober/dsl", Buffer.from("online"))).toBe(true);
    const router = {
      at: "2026-11-29T11:59:59Z",
      defaultRoute: { tier: 1, nexthops: [{ link: "dsl", weight: 1 }], mode: "balanced" },
      links: [
        { link: "dsl", state: "up", table: 101, active: true, weight: 1, connections: 30 },
        { link: "cable", state: "down", table: 102, active: false, weight: 4, connections: 10 },
      ],
      rules: [],
      lastChange: null,
    };
    expect(applyMessage(snap, "wanpilot/gw/router/state", Buffer.from(JSON.stringify(router)))).toBe(true);
    const view = buildStatusView(config, snap);
    expect(view.links[0]).toMatchObject({
      name: "dsl",
      state: "up",
      active: true,
      connections: 30,
      share: 0.75,
      rttMs: 12.5,
    });
    expect(view.links[1]).toMatchObject({ name: "cable", state: "down", active: false, share: 0.25 });
    expect(view.processes["prober/dsl"]?.availability).toBe("online");
    const text = formatStatus(view, now);
    expect(text).toContain("default route: dsl×1 (tier 1, balanced)");
    expect(text).toMatch(/dsl \(wan1\)\s+UP\s+2m30s\s+13ms\s+5\.0%\s+1\s+1\s+yes\s+-\s+75%\s+30/);
  });

  it("shows the RTT and loss of the latest health: the state carries those of its last change", () => {
    const snap = emptySnapshot();
    applyMessage(snap, "wanpilot/gw/link/dsl/state", linkState("dsl", "up"));
    const health = (at: string, meanMs: number) =>
      Buffer.from(
        JSON.stringify({
          link: "dsl",
          at,
          windowMs: 10_000,
          state: "up",
          rtt: { meanMs, minMs: meanMs, maxMs: meanMs, jitterMs: 0 },
          lossRatio: 0,
          targets: [],
        }),
      );
    expect(applyMessage(snap, "wanpilot/gw/link/dsl/health", health("2026-11-29T11:59:58Z", 40))).toBe(true);
    expect(buildStatusView(config, snap).links[0]).toMatchObject({ rttMs: 12.5, lossRatio: 0.05 });
    applyMessage(snap, "wanpilot/gw/link/dsl/health", health("2026-11-29T12:00:01Z", 30));
    expect(buildStatusView(config, snap).links[0]).toMatchObject({ rttMs: 30, lossRatio: 0 });
    // Another link's health on this link's topic is not taken.
    expect(applyMessage(snap, "wanpilot/gw/link/cable/health", health("2026-11-29T12:00:02Z", 9))).toBe(true);
    expect(snap.health.has("cable")).toBe(false);
  });

  it("shows a link the router finds stale as stale, in the table and in the JSON view", () => {
    const snap = emptySnapshot();
    applyMessage(snap, "wanpilot/gw/link/dsl/state", linkState("dsl", "up"));
    applyMessage(snap, "wanpilot/gw/link/cable/state", linkState("cable", "up"));
    const router = {
      at: "2026-11-29T11:59:59Z",
      defaultRoute: { tier: 1, nexthops: [{ link: "dsl", weight: 1 }], mode: "balanced" },
      links: [
        { link: "dsl", state: "up", table: 101, active: true, weight: 1, connections: 3 },
        { link: "cable", state: "up", table: 102, active: false, weight: 0, connections: 1, stale: true },
      ],
      rules: [],
      lastChange: null,
    };
    expect(applyMessage(snap, "wanpilot/gw/router/state", Buffer.from(JSON.stringify(router)))).toBe(true);
    const view = buildStatusView(config, snap);
    expect(view.links.map((l) => [l.name, l.state, l.stale])).toEqual([
      ["dsl", "up", false],
      ["cable", "up", true],
    ]);
    expect(formatStatus(view, now)).toMatch(/cable \(wan2\)\s+UP \(STALE\)\s+2m30s/);
  });

  it.each([
    ["2026-11-29T11:59:58Z", "2s"],
    ["2026-11-29T11:57:30Z", "2m30s"],
    ["2026-11-29T09:00:00Z", "3h"],
    ["2026-11-27T10:00:00Z", "2d2h"],
    [null, "-"],
  ])("age(%s) = %s", (iso, text) => expect(age(iso, now)).toBe(text));

  it("shows the operator's overrides in the OVERRIDE column and the JSON view", () => {
    const snap = emptySnapshot();
    applyMessage(snap, "wanpilot/gw/link/dsl/state", linkState("dsl", "up"));
    applyMessage(snap, "wanpilot/gw/link/cable/state", linkState("cable", "up"));
    const since = "2026-11-29T11:50:00.000Z";
    const router = {
      at: "2026-11-29T11:59:59Z",
      defaultRoute: { tier: 1, nexthops: [{ link: "cable", weight: 4 }], mode: "balanced" },
      links: [
        {
          link: "dsl",
          state: "up",
          table: 101,
          active: false,
          weight: 0,
          connections: 0,
          override: { admin: "disable", weight: null, tier: null, since },
        },
        {
          link: "cable",
          state: "up",
          table: 102,
          active: true,
          weight: 4,
          connections: 2,
          override: { admin: "drain", weight: 8, tier: 2, since },
        },
      ],
      rules: [],
      lastChange: null,
    };
    expect(applyMessage(snap, "wanpilot/gw/router/state", Buffer.from(JSON.stringify(router)))).toBe(true);
    const view = buildStatusView(config, snap);
    expect(view.links.map((l) => [l.name, l.override?.admin ?? null, l.tier])).toEqual([
      ["dsl", "disable", 1],
      ["cable", "drain", 2],
    ]);
    const text = formatStatus(view, now);
    expect(text).toMatch(/\bOVERRIDE\b/);
    expect(text).toMatch(/dsl \(wan1\)\s+UP\s.*\sno\s+disable\s/);
    expect(text).toMatch(/cable \(wan2\)\s+UP\s.*\syes\s+drain, weight 8, tier 2\s/);
  });
});
