import { humanDurationMs, textTable } from "@wanpilot/common";
import type { LinkReport, ReportWindow } from "./report.js";

/** The `wanpilot report --json` document (issue 5's shape, with extra fields). */
export interface ReportJson {
  since: string;
  until: string;
  links: Array<{
    name: string;
    availability: number | null;
    degradedMs: number;
    upMs: number;
    downMs: number;
    unknownMs: number;
    /** Disabled by an operator: neither available nor an outage. */
    disabledMs: number;
    outageCount: number;
    failures: number;
    totalDowntimeMs: number;
    longestOutageMs: number;
    mtbfMs: number | null;
    mttrMs: number | null;
    outages: Array<{ start: string; end: string | null; durationMs: number; cause: string }>;
  }>;
  /** Steps of the wall clock in the window (set by the report reader; the history is corrected for them). */
  clockSteps?: Array<{ at: string; stepMs: number; boot: string }>;
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function reportJson(reports: LinkReport[], w: ReportWindow): ReportJson {
  return {
    since: iso(w.sinceMs),
    until: iso(w.untilMs),
    links: reports.map((r) => ({
      name: r.link,
      availability: r.availability,
      degradedMs: r.degradedMs,
      upMs: r.upMs,
      downMs: r.downMs,
      unknownMs: r.unknownMs,
      disabledMs: r.disabledMs,
      outageCount: r.outages.length,
      failures: r.failures,
      totalDowntimeMs: r.downMs,
      longestOutageMs: r.longestOutageMs,
      mtbfMs: r.mtbfMs,
      mttrMs: r.mttrMs,
      outages: r.outages.map((o) => ({
        start: iso(o.startMs),
        end: o.endMs === null ? null : iso(o.endMs),
        durationMs: o.durationMs,
        cause: o.cause,
      })),
    })),
  };
}

/** "2026-11-29 12:00:00Z" */
const shortIso = (ms: number): string =>
  iso(ms)
    .replace("T", " ")
    .replace(/\.\d{3}Z$/, "Z");

export function percent(ratio: number | null): string {
  return ratio === null ? "unknown" : `${(ratio * 100).toFixed(3)}%`;
}

/** The human `wanpilot report`: one summary row per link, then every outage. */
export function reportTable(reports: LinkReport[], w: ReportWindow): string {
  const head = `Uptime report ${shortIso(w.sinceMs)} → ${shortIso(w.untilMs)} (${humanDurationMs(w.untilMs - w.sinceMs)})`;
  if (reports.length === 0) return `${head}\n\nNo link has any recorded history.\n`;
  const summary = textTable([
    [
      "LINK",
      "AVAILABILITY",
      "DEGRADED",
      "OUTAGES",
      "DOWNTIME",
      "LONGEST",
      "MTBF",
      "MTTR",
      "UNKNOWN",
      "DISABLED",
    ],
    ...reports.map((r) => [
      r.link,
      percent(r.availability),
      humanDurationMs(r.degradedMs),
      String(r.outages.length),
      humanDurationMs(r.downMs),
      humanDurationMs(r.longestOutageMs),
      humanDurationMs(r.mtbfMs),
      humanDurationMs(r.mttrMs),
      humanDurationMs(r.unknownMs),
      humanDurationMs(r.disabledMs),
    ]),
  ]);
  const outageRows = reports.flatMap((r) =>
    r.outages.map((o) => [
      r.link,
      shortIso(o.startMs),
      o.endMs === null ? "ongoing" : shortIso(o.endMs),
      humanDurationMs(o.durationMs),
      o.cause,
    ]),
  );
  const outages =
    outageRows.length === 0
      ? ["No outages in this window."]
      : textTable([["LINK", "START", "END", "LENGTH", "CAUSE"], ...outageRows]);
  return [head, "", ...summary, "", ...outages, ""].join("\n");
}
