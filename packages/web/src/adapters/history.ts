import { existsSync } from "node:fs";
import { isWanpilotError, WanpilotError } from "@wanpilot/common";
import { reportFrom, Store } from "@wanpilot/logger";
import type { Logger } from "pino";
import { type HistoryView, type HistoryWindow, historyRange, routeText, toSeries } from "../core/history.js";

/** The logger's database, opened read-only when first needed (the logger may create it after the page starts). */
export class History {
  private store: Store | undefined;

  constructor(
    private readonly databasePath: string,
    private readonly log: Logger,
  ) {}

  /** The page's history for `window` ending at `nowMs`, for the config's links (and any the history knows). */
  read(window: HistoryWindow, links: readonly string[], nowMs: number): HistoryView {
    const store = this.open();
    const { sinceMs, untilMs, stepMs } = historyRange(window, nowMs);
    const report = reportFrom(store, { sinceMs, untilMs }, { links: [...links] });
    return {
      window,
      since: new Date(sinceMs).toISOString(),
      until: new Date(untilMs).toISOString(),
      links: report.links.map((l) => ({
        name: l.link,
        series: toSeries(store.healthSeries(l.link, sinceMs, untilMs, stepMs)),
        availability: l.availability,
        downMs: l.downMs,
        outages: l.outages.map((o) => ({
          start: new Date(o.startMs).toISOString(),
          end: o.endMs === null ? null : new Date(o.endMs).toISOString(),
          durationMs: o.durationMs,
          cause: o.cause,
        })),
      })),
      routeChanges: store.routeChanges(sinceMs, untilMs).map((r) => ({
        at: new Date(r.atMs).toISOString(),
        reason: r.reason,
        route: routeText(r.defaultRoute),
      })),
      operations: report.operations,
    };
  }

  close(): void {
    this.store?.close();
    this.store = undefined;
  }

  private open(): Store {
    if (this.store !== undefined) return this.store;
    if (!existsSync(this.databasePath))
      throw new WanpilotError(
        "DATABASE_FAILED",
        `no history yet: the logger has not created ${this.databasePath}`,
      );
    try {
      this.store = Store.open(this.databasePath, { readonly: true });
    } catch (err: unknown) {
      if (isWanpilotError(err)) this.log.warn({ err, path: this.databasePath }, "cannot read the history");
      throw err;
    }
    return this.store;
  }
}
