import type { Operation } from "@wanpilot/common";
import type { ReportWindow } from "./report.js";

/**
 * Time each link spent disabled by an operator within the window (from an accepted `disable` to the next
 * accepted `enable` or `reset`, or the window's end), counted apart from outages. `before` holds the
 * operations before the window, so a link disabled earlier is counted from the window's start.
 */
export function disabledMs(ops: readonly Operation[], w: ReportWindow): Map<string, number> {
  const out = new Map<string, number>();
  const since = new Map<string, number>();
  const add = (link: string, from: number, to: number) =>
    out.set(link, (out.get(link) ?? 0) + Math.max(0, Math.min(to, w.untilMs) - Math.max(from, w.sinceMs)));
  for (const op of ops) {
    if (op.result !== "accepted" || op.link === null) continue;
    const at = Date.parse(op.at);
    if (op.action === "disable" && !since.has(op.link)) since.set(op.link, at);
    if (op.action === "enable" || op.action === "reset") {
      const from = since.get(op.link);
      if (from !== undefined) add(op.link, from, at);
      since.delete(op.link);
    }
  }
  for (const [link, from] of since) add(link, from, w.untilMs);
  return out;
}
