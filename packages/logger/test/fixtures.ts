import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LinkHealth, LinkTransition, RouteChange } from "@wanpilot/common";

export const T0 = Date.parse("2026-11-29T10:00:00Z");
export const iso = (ms: number): string => new Date(ms).toISOString();

/** A fresh directory for one test's database, and its removal. */
export function tempDir(): { dir: string; dbPath: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "wanpilot-logger-"));
  return {
    dir,
    dbPath: join(dir, "wanpilot.db"),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function transition(n: number, link: string, to: LinkTransition["to"], atMs: number): LinkTransition {
  return {
    id: `test-${link}-${String(n).padStart(6, "0")}`,
    link,
    from: "unknown",
    to,
    at: iso(atMs),
    cause: `step ${n}`,
  };
}

export function routeChange(n: number, atMs: number): RouteChange {
  return {
    id: `route-${String(n).padStart(6, "0")}`,
    at: iso(atMs),
    reason: `change ${n}`,
    defaultRoute: { tier: 1, nexthops: [{ link: "a", weight: 1 }], mode: "balanced" },
    flushed: [],
  };
}

export function health(link: string, atMs: number, lossRatio = 0): LinkHealth {
  return {
    link,
    at: iso(atMs),
    windowMs: 10_000,
    state: "up",
    rtt: { meanMs: 12, minMs: 10, maxMs: 15, jitterMs: 1 },
    lossRatio,
    targets: [],
  };
}
