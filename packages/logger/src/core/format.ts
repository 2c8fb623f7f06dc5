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

const UNITS = [
  ["d", 86_400_000],
  ["h", 3_600_000],
  ["m", 60_000],
  ["s", 1000],
] as const;

/** 93_784_000 → "1d 2h", 200_000 → "3m 20s", 450 → "450ms": the two largest units, for reading. */
export function humanDuration(ms: number | null): string {
  if (ms === null) return "-";
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const parts: string[] = [];
  let rest = Math.floor(ms / 1000) * 1000;
  for (const [unit, size] of UNITS) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 || parts.length > 0) parts.push(`${n}${unit}`);
  }
  return parts
    .slice(0, 2)
    .filter((p) => !/^0\D/.test(p))
    .join(" ");
}

/** "2026-11-29 12:00:00Z" */
const shortIso = (ms: number): string =>
  iso(ms)
    .replace("T", " ")
    .replace(/\.\d{3}Z$/, "Z");

export function percent(ratio: number | null): string {
  return ratio === null ? "unknown" : `${(ratio * 100).toFixed(3)}%`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd(),
  );
}

/** The human `wanpilot report`: one summary row per link, then every outage. */
export function reportTable(reports: LinkReport[], w: ReportWindow): string {
  const head = `Uptime report ${shortIso(w.sinceMs)} → ${shortIso(w.untilMs)} (${humanDuration(w.untilMs - w.sinceMs)})`;
  if (reports.length === 0) return `${head}\n\nNo link has any recorded history.\n`;
  const summary = table([
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
      humanDuration(r.degradedMs),
      String(r.outages.length),
      humanDuration(r.downMs),
      humanDuration(r.longestOutageMs),
      humanDuration(r.mtbfMs),
      humanDuration(r.mttrMs),
      humanDuration(r.unknownMs),
      humanDuration(r.disabledMs),
    ]),
  ]);
  const outageRows = reports.flatMap((r) =>
    r.outages.map((o) => [
      r.link,
      shortIso(o.startMs),
      o.endMs === null ? "ongoing" : shortIso(o.endMs),
      humanDuration(o.durationMs),
      o.cause,
    ]),
  );
  const outages =
    outageRows.length === 0
      ? ["No outages in this window."]
      : table([["LINK", "START", "END", "LENGTH", "CAUSE"], ...outageRows]);
  return [head, "", ...summary, "", ...outages, ""].join("\n");
}
