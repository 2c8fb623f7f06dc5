import type { LinkStateName } from "@wanpilot/common";
import type { DisabledSpan } from "./operations.js";

/** One stored state change of a link; time in epoch milliseconds. */
export interface TransitionRecord {
  id: string;
  link: string;
  from: LinkStateName;
  to: LinkStateName;
  atMs: number;
  cause: string;
  /** Boot id and milliseconds since that boot, when the publisher sent them (see core/clock.ts). */
  boot?: string | null;
  bootMs?: number | null;
}

/** A closed-open report window [sinceMs, untilMs). */
export interface ReportWindow {
  sinceMs: number;
  untilMs: number;
}

export interface Outage {
  /** When the link went down (may be before the window). */
  startMs: number;
  /** When it left `down`, or null while it still is (as far as the history knows). */
  endMs: number | null;
  /** The part of the outage inside the window. */
  durationMs: number;
  /** The cause carried by the transition into `down`. */
  cause: string;
}

export interface LinkReport {
  link: string;
  /** (up + degraded) / (up + degraded + down), time disabled by an operator left out; null when nothing is known. */
  availability: number | null;
  upMs: number;
  degradedMs: number;
  /** Down while in service: time disabled by an operator is not an outage. */
  downMs: number;
  /** Disabled by an operator (`wanpilot link NAME disable`), whatever its prober said meanwhile. */
  disabledMs: number;
  /** Time with no known state: before the link's first transition, or while it was `unknown`. */
  unknownMs: number;
  outages: Outage[];
  /** Outages that began inside the window (failures counted by MTBF). */
  failures: number;
  longestOutageMs: number;
  /** Mean time between failures: available time / failures; null without failures. */
  mtbfMs: number | null;
  /** Mean time to recovery: down time / outages in the window; null without outages. */
  mttrMs: number | null;
}

type SpanState = LinkStateName | "disabled";

/** A stretch of one state, [startMs, endMs). */
interface Span {
  state: SpanState;
  startMs: number;
  endMs: number;
  cause: string;
}

const byTime = (a: TransitionRecord, b: TransitionRecord): number => a.atMs - b.atMs;

/**
 * The link's timeline as spans up to `untilMs`: unknown before its first transition, then each
 * transition's `to` holds until the next one (a prober that restarts reports `unknown → x`, which
 * simply continues or changes the state; `from` is not trusted because events may arrive late).
 */
function spansOf(transitions: TransitionRecord[], untilMs: number): Span[] {
  const spans: Span[] = [];
  let current: Span = { state: "unknown", startMs: Number.NEGATIVE_INFINITY, endMs: untilMs, cause: "" };
  for (const t of transitions) {
    if (t.atMs >= untilMs) break;
    if (t.to === current.state) continue;
    spans.push({ ...current, endMs: t.atMs });
    current = { state: t.to, startMs: t.atMs, endMs: untilMs, cause: t.cause };
  }
  spans.push(current);
  return spans.filter((s) => s.endMs > s.startMs);
}

/**
 * The spans with the operator's disabled stretches laid over them: time disabled is "disabled", whatever
 * the prober said; an outage that began before a disable resumes (as a new outage) when it ends.
 */
function withDisabled(spans: Span[], disabled: readonly DisabledSpan[]): Span[] {
  if (disabled.length === 0) return spans;
  const out: Span[] = [];
  for (const span of spans) {
    let from = span.startMs;
    for (const d of disabled) {
      if (d.endMs <= from || d.startMs >= span.endMs) continue;
      if (d.startMs > from) out.push({ ...span, startMs: from, endMs: d.startMs });
      const to = Math.min(d.endMs, span.endMs);
      out.push({
        state: "disabled",
        startMs: Math.max(d.startMs, from),
        endMs: to,
        cause: "disabled by an operator",
      });
      from = to;
    }
    if (from < span.endMs) out.push({ ...span, startMs: from });
  }
  return out;
}

function overlapMs(span: { startMs: number; endMs: number }, w: ReportWindow): number {
  return Math.max(0, Math.min(span.endMs, w.untilMs) - Math.max(span.startMs, w.sinceMs));
}

/** Outages overlapping the window; `endMs` looks past the window so a later recovery is still reported. */
function outagesOf(all: TransitionRecord[], w: ReportWindow, disabled: readonly DisabledSpan[]): Outage[] {
  const lastAtMs = all.at(-1)?.atMs ?? w.untilMs;
  const horizonMs = Math.max(w.untilMs, lastAtMs + 1);
  const outages: Outage[] = [];
  for (const s of withDisabled(spansOf(all, horizonMs), disabled)) {
    if (s.state !== "down") continue;
    const inWindowMs = overlapMs(s, w);
    if (inWindowMs === 0) continue;
    // Only the last span reaches the horizon, which lies after every transition: nothing ended it.
    const endMs = s.endMs === horizonMs ? null : s.endMs;
    outages.push({ startMs: s.startMs, endMs, durationMs: inWindowMs, cause: s.cause });
  }
  return outages;
}

/**
 * The report of one link over the window, from all its transitions (any order, any time) and the spans
 * an operator had it disabled (sorted, not overlapping).
 */
export function linkReport(
  link: string,
  transitions: TransitionRecord[],
  w: ReportWindow,
  disabled: readonly DisabledSpan[] = [],
): LinkReport {
  const all = transitions.filter((t) => t.link === link).sort(byTime);
  const totals: Record<SpanState, number> = { unknown: 0, up: 0, degraded: 0, down: 0, disabled: 0 };
  for (const s of withDisabled(spansOf(all, w.untilMs), disabled)) totals[s.state] += overlapMs(s, w);
  const outages = outagesOf(all, w, disabled);
  const availableMs = totals.up + totals.degraded;
  const knownMs = availableMs + totals.down;
  const failures = outages.filter((o) => o.startMs >= w.sinceMs).length;
  return {
    link,
    availability: knownMs === 0 ? null : availableMs / knownMs,
    upMs: totals.up,
    degradedMs: totals.degraded,
    downMs: totals.down,
    disabledMs: totals.disabled,
    unknownMs: totals.unknown,
    outages,
    failures,
    longestOutageMs: Math.max(0, ...outages.map((o) => o.durationMs)),
    mtbfMs: failures === 0 ? null : availableMs / failures,
    mttrMs: outages.length === 0 ? null : totals.down / outages.length,
  };
}

/** One report per link: the given names (e.g. from the config) plus any link seen in the history. */
export function buildReport(
  transitions: TransitionRecord[],
  w: ReportWindow,
  links: string[] = [],
  disabled: ReadonlyMap<string, readonly DisabledSpan[]> = new Map(),
): LinkReport[] {
  if (!(w.untilMs >= w.sinceMs)) throw new RangeError("report window ends before it starts");
  const names = [...new Set([...links, ...transitions.map((t) => t.link)])].sort();
  return names.map((name) => linkReport(name, transitions, w, disabled.get(name)));
}
