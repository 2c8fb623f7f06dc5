import { readdirSync, readFileSync } from "node:fs";

/** /proc/<pid>/stat counts CPU time in USER_HZ, 100 a second on Linux. */
export const TICKS_PER_S = 100;

/** The fields of /proc/<pid>/stat the bench reads (times in clock ticks). */
export interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime + cutime + cstime: the process's CPU and that of its reaped children. */
  ticks: number;
}

/** Parses /proc/<pid>/stat; the command name may hold spaces and parentheses, so fields start after the last ")". */
export function parseStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(")");
  const pid = Number.parseInt(text, 10);
  if (close < 0 || Number.isNaN(pid)) return undefined;
  const f = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  // after the name: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14)
  const n = (i: number) => Number(f[i]);
  const ticks = n(11) + n(12) + n(13) + n(14);
  if (!Number.isFinite(ticks)) return undefined;
  return { pid, ppid: n(1), ticks };
}

/** VmRSS of /proc/<pid>/status in KiB; undefined when absent (a zombie, a kernel thread). */
export function parseRssKiB(status: string): number | undefined {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m === null ? undefined : Number(m[1]);
}

/**
 * Pss of /proc/<pid>/smaps_rollup in KiB: the process's private pages plus its share of those it
 * shares (the node binary's pages, counted once across all the processes that map them).
 */
export function parsePssKiB(rollup: string): number | undefined {
  const m = /^Pss:\s+(\d+)\s+kB/m.exec(rollup);
  return m === null ? undefined : Number(m[1]);
}

export function readPssKiB(pid: number): number | undefined {
  try {
    return parsePssKiB(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"));
  } catch {
    return undefined;
  }
}

export function readStat(pid: number): ProcStat | undefined {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return undefined;
  }
}

export function readRssKiB(pid: number): number | undefined {
  try {
    return parseRssKiB(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return undefined;
  }
}

/** Every live process's stat (one pass over /proc). */
export function allStats(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const s = readStat(Number(name));
    if (s !== undefined) out.push(s);
  }
  return out;
}

/** pid and all its descendants, from a snapshot of every process. */
export function descendants(root: number, stats: readonly ProcStat[]): number[] {
  const children = new Map<number, number[]>();
  for (const s of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s.pid]);
  const out: number[] = [];
  const todo = [root];
  while (todo.length > 0) {
    const p = todo.pop() as number;
    out.push(p);
    todo.push(...(children.get(p) ?? []));
  }
  return out;
}
