import type { Lab, LabProcess } from "@wanpilot/lab";

/** `[2026-11-29T12:40:00.123456]` (ip -ts) → epoch ms; undefined when the line carries no timestamp. */
export function parseIpTimestamp(line: string): number | undefined {
  const m = /^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?\]/.exec(line);
  if (m === null) return undefined;
  const frac = m[2] === undefined ? 0 : Number(m[2]) * 1000;
  // ip prints local time without a zone; labs run with the host's TZ, so let Date read it as local.
  const base = new Date(m[1] as string).getTime();
  return Number.isNaN(base) ? undefined : base + frac;
}

/** The burst of changes starting at the first one at or after `from`: it ends at the first gap longer than gapMs. */
export function burst(
  times: readonly number[],
  from: number,
  gapMs: number,
): { first: number; last: number; count: number } | undefined {
  const sorted = times.filter((t) => t >= from).sort((a, b) => a - b);
  const first = sorted[0];
  if (first === undefined) return undefined;
  let last = first;
  let count = 1;
  for (const t of sorted.slice(1)) {
    if (t - last > gapMs) break;
    last = t;
    count++;
  }
  return { first, last, count };
}

/** Watches the gateway namespace's routes, rules and nexthops (`ip -ts monitor`): when did the kernel change. */
export class KernelWatch {
  private readonly changes: Array<{ at: number; line: string }> = [];
  private readonly proc: LabProcess;

  constructor(lab: Lab) {
    this.proc = lab.spawn(lab.ns.gw, ["ip", "-ts", "monitor", "route", "rule", "nexthop"], {
      timeoutMs: 0,
      onLine: (line, stream) => {
        if (stream !== "stdout") return;
        const at = parseIpTimestamp(line);
        if (at !== undefined) this.changes.push({ at, line });
      },
    });
  }

  /** The first kernel routing change at or after `t` (epoch ms). */
  firstAfter(t: number): number | undefined {
    return this.changes.find((c) => c.at >= t)?.at;
  }

  times(): number[] {
    return this.changes.map((c) => c.at);
  }

  linesAfter(t: number): string[] {
    return this.changes.filter((c) => c.at >= t).map((c) => c.line);
  }

  stop(): Promise<void> {
    return this.proc.stop(1000).then(() => undefined);
  }
}
