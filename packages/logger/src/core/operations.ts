import type { Operation } from "@wanpilot/common";

/** A stretch of time a link was disabled by an operator, [startMs, endMs); endMs Infinity while it still is. */
export interface DisabledSpan {
  startMs: number;
  endMs: number;
}

/**
 * Each link's spans disabled by an operator: from an accepted `disable` to the next accepted `enable`,
 * `reset` or `drain` (each takes the link out of `disable`). Operations in time order, all of them
 * (a link disabled before a report's window is disabled at its start).
 */
export function disabledSpans(ops: readonly Operation[]): Map<string, DisabledSpan[]> {
  const out = new Map<string, DisabledSpan[]>();
  const since = new Map<string, number>();
  const close = (link: string, endMs: number) => {
    const startMs = since.get(link);
    if (startMs === undefined) return;
    out.set(link, [...(out.get(link) ?? []), { startMs, endMs }]);
    since.delete(link);
  };
  for (const op of ops) {
    if (op.result !== "accepted" || op.link === null) continue;
    const at = Date.parse(op.at);
    if (op.action === "disable" && !since.has(op.link)) since.set(op.link, at);
    if (op.action === "enable" || op.action === "reset" || op.action === "drain") close(op.link, at);
  }
  for (const link of [...since.keys()]) close(link, Number.POSITIVE_INFINITY);
  return out;
}
