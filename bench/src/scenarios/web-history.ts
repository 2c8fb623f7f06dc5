import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LinkHealth, LinkTransition } from "@wanpilot/common";
import { Store } from "@wanpilot/logger";
import { History } from "@wanpilot/web";
import { pino } from "pino";
import type { Scenario, ScenarioContext, ScenarioOutput } from "../scenario.js";
import { summarize } from "../stats.js";

const SCENARIO = "web-history";
const LINKS = ["dsl", "cable", "fibre", "lte1", "lte2"];
const DAY_MS = 86_400_000;
/** The logger's default: one health sample per link per 10 s. */
const EVERY_MS = 10_000;

/** One day of one link's samples (a daily RTT wave, some loss), starting at `dayStartMs`. */
function daySamples(link: string, dayStartMs: number): LinkHealth[] {
  return Array.from({ length: DAY_MS / EVERY_MS }, (_, i) => {
    const atMs = dayStartMs + i * EVERY_MS;
    const rtt = 20 + 10 * Math.sin((atMs / DAY_MS) * 2 * Math.PI) + (i % 7);
    return {
      link,
      at: new Date(atMs).toISOString(),
      windowMs: EVERY_MS,
      state: "up" as const,
      rtt: { meanMs: rtt, minMs: rtt - 3, maxMs: rtt + 5, jitterMs: 1.5 },
      lossRatio: i % 97 === 0 ? 0.2 : 0,
      targets: [],
    };
  });
}

/** One outage per link per day: down at a link-dependent hour for a few minutes. */
function dayOutages(link: string, index: number, dayStartMs: number, day: number): LinkTransition[] {
  const downMs = dayStartMs + ((index * 5 + day) % 24) * 3_600_000;
  const id = (what: string) => `bench-${link}-${day}-${what}`;
  return [
    {
      id: id("down"),
      link,
      from: "up",
      to: "down",
      at: new Date(downMs).toISOString(),
      cause: "no reply from 3/3 targets for 3 rounds",
    },
    {
      id: id("up"),
      link,
      from: "down",
      to: "up",
      at: new Date(downMs + 180_000 + index * 1000).toISOString(),
      cause: "recovered after 5 good rounds",
    },
  ];
}

/** Fills days [fromDay, toDay) before `nowMs` (day 0 ends now), through the logger's own Store. */
function fill(store: Store, nowMs: number, fromDay: number, toDay: number): void {
  for (let day = fromDay; day < toDay; day++) {
    const dayStartMs = nowMs - (day + 1) * DAY_MS;
    LINKS.forEach((link, i) => {
      store.insertHealth(daySamples(link, dayStartMs));
      store.insertTransitions(dayOutages(link, i, dayStartMs, day));
    });
  }
}

async function run(ctx: ScenarioContext, out: ScenarioOutput): Promise<void> {
  const sizesDays = ctx.quick ? [1, 90] : [1, 30, 90];
  const requests = ctx.quick ? 10 : 30;
  const dir = mkdtempSync(join(tmpdir(), "wanpilot-bench-web-"));
  const path = join(dir, "wanpilot.db");
  const nowMs = Math.floor(Date.now() / EVERY_MS) * EVERY_MS;
  const log = pino({ level: "silent" });
  try {
    const writer = Store.open(path, { now: () => nowMs });
    let filled = 0;
    for (const days of sizesDays) {
      const t0 = Date.now();
      fill(writer, nowMs, filled, days);
      filled = days;
      ctx.progress(
        `${SCENARIO}: ${days} d of history for ${LINKS.length} links written in ${Date.now() - t0} ms`,
      );
      const rows = (days * DAY_MS * LINKS.length) / EVERY_MS;
      const sizeMiB = statSync(path).size / 1048576;
      // A fresh read-only handle, as the page opens it; the first read warms SQLite's page cache.
      const history = new History(path, log);
      history.read("24h", LINKS, nowMs);
      const timesMs: number[] = [];
      let points = 0;
      for (let i = 0; i < requests; i++) {
        const started = performance.now();
        const view = history.read("24h", LINKS, nowMs);
        const json = JSON.stringify(view);
        timesMs.push(performance.now() - started);
        points = view.links.reduce((n, l) => n + l.series.t.length, 0);
        if (json.length === 0) throw new Error("empty history");
      }
      const month: number[] = [];
      for (let i = 0; i < Math.min(3, requests); i++) {
        const started = performance.now();
        JSON.stringify(history.read("30d", LINKS, nowMs));
        month.push(performance.now() - started);
      }
      history.close();
      const label = `${days} d × ${LINKS.length} links (${(rows / 1e6).toFixed(2)} M samples, ${sizeMiB.toFixed(0)} MiB)`;
      out.measurements.push(
        {
          scenario: SCENARIO,
          metric: `24 h graph, ${label}: query + JSON`,
          system: "wanpilot web",
          unit: "ms",
          summary: summarize(timesMs),
          note: `${points} points, outages and availability of 5 links; target < 100 ms`,
        },
        {
          scenario: SCENARIO,
          metric: `30 d graph, ${label}: query + JSON`,
          system: "wanpilot web",
          unit: "ms",
          summary: summarize(month),
        },
      );
    }
    writer.close();
    out.notes.push(
      `the page's History.read (the logger's Store, read-only: health series downsampled to 360 points per link, the report's availability and outages, route changes, operations) and JSON.stringify, in-process; one sample per link per 10 s (the logger's default), one outage per link per day`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const webHistory: Scenario = {
  name: SCENARIO,
  title: "web page: 24 h and 30 d graphs of 5 links against 1 to 90 days of history (no network)",
  run,
};
