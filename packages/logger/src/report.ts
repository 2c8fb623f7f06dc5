import { existsSync } from "node:fs";
import { isWanpilotError, type Operation, WanpilotError } from "@wanpilot/common";
import { Store } from "./adapters/store.js";
import { type ClockStep, correctClock } from "./core/clock.js";
import { type ReportJson, reportJson, reportTable } from "./core/format.js";
import { disabledSpans } from "./core/operations.js";
import { buildReport, type LinkReport, type ReportWindow } from "./core/report.js";
import { resolveWindow, type TimeBound } from "./core/window.js";

export interface ReportOptions {
  /** "7d" (default), an ISO date, epoch ms or a Date. */
  since?: TimeBound;
  /** "now" (default), a duration ago, an ISO date, epoch ms or a Date; capped at now. */
  until?: TimeBound;
  /** Only this link. */
  link?: string;
  /** Links to report even without history (e.g. the config's). */
  links?: string[];
  /** For tests. */
  nowMs?: number;
}

export interface Report {
  window: ReportWindow;
  links: LinkReport[];
  json: ReportJson & { operations: Operation[] };
  text: string;
  /** Steps of the wall clock found in the history (its times are corrected by time since boot). */
  clockSteps: ClockStep[];
}

function operationsText(ops: Operation[]): string {
  if (ops.length === 0) return "";
  const lines = ops.map(
    (o) =>
      `${o.at}  ${o.by}  ${o.action}${o.link === null ? "" : ` ${o.link}`}${o.value === null ? "" : ` ${o.value}`}  ${o.result}: ${o.reason}`,
  );
  return `\nOperations (${ops.length})\n${lines.join("\n")}\n`;
}

/** Read-only first (works for a user who may only read the file); read-write only when it must be migrated. */
function openForReading(databasePath: string): Store {
  if (!existsSync(databasePath))
    throw new WanpilotError(
      "DATABASE_FAILED",
      `no database at ${databasePath}: the logger has not run with this logger.database yet`,
      { details: { path: databasePath } },
    );
  try {
    return Store.open(databasePath, { readonly: true });
  } catch (err: unknown) {
    if (isWanpilotError(err, "DATABASE_FAILED") && err.details.needsMigration === true)
      return Store.open(databasePath);
    throw err;
  }
}

/**
 * The uptime report from the database alone (the daemon may be stopped). Throws DATABASE_FAILED when the
 * database cannot be read, USAGE for a bad window.
 */
export function openReport(databasePath: string, opts: ReportOptions = {}): Report {
  const window = resolveWindow(opts, opts.nowMs ?? Date.now());
  const store = openForReading(databasePath);
  try {
    const { links, operations, clockSteps } = reportFrom(store, window, opts);
    return {
      window,
      links,
      json: {
        ...reportJson(links, window),
        clockSteps: stepsJson(clockSteps),
        operations,
      },
      text: `${reportTable(links, window)}${clockNote(clockSteps)}${operationsText(operations)}`,
      clockSteps,
    };
  } finally {
    store.close();
  }
}

/** The report's figures from an open store (the web page keeps one open read-only). */
export function reportFrom(
  store: Store,
  window: ReportWindow,
  opts: Pick<ReportOptions, "link" | "links"> = {},
): { links: LinkReport[]; operations: Operation[]; clockSteps: ClockStep[] } {
  const known = [...(opts.links ?? []), ...store.links().map((l) => l.name)];
  const names = opts.link === undefined ? known : [opts.link];
  const { records, steps } = correctClock(store.transitions(opts.link));
  const all = store.operations(0, window.untilMs);
  // Time an operator had a link disabled is neither available nor an outage.
  const links = buildReport(records, window, names, disabledSpans(all));
  const clockSteps = steps.filter((st) => st.atMs >= window.sinceMs && st.atMs < window.untilMs);
  const operations = all.filter(
    (o) =>
      Date.parse(o.at) >= window.sinceMs &&
      (opts.link === undefined || o.link === opts.link || o.link === null),
  );
  return { links, operations, clockSteps };
}

function stepsJson(steps: ClockStep[]): NonNullable<ReportJson["clockSteps"]> {
  return steps.map((s) => ({ at: new Date(s.atMs).toISOString(), stepMs: s.stepMs, boot: s.boot }));
}

function clockNote(steps: ClockStep[]): string {
  if (steps.length === 0) return "";
  const lines = steps.map(
    (s) =>
      `  ${new Date(s.atMs).toISOString().replace(/\.\d+Z$/, "Z")}: ${s.stepMs > 0 ? "+" : ""}${(s.stepMs / 1000).toFixed(1)} s`,
  );
  return `\nThe wall clock stepped (times corrected by time since boot):\n${lines.join("\n")}\n`;
}
