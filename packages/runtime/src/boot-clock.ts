import { readFileSync } from "node:fs";

/**
 * Time since the kernel booted, for events that must keep their durations when the wall clock steps
 * (a gateway without a real-time clock boots in the past until NTP jumps it forward).
 */
export interface BootClock {
  /** /proc/sys/kernel/random/boot_id: a new one on every boot. */
  id: string;
  /** Milliseconds since boot at `performance.now()` time `perfMs`. */
  bootMsAt(perfMs: number): number;
}

/** Read once at start (uptime has 10 ms steps); later times follow the process's monotonic clock. Null off Linux. */
export function readBootClock(): BootClock | null {
  try {
    const id = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    const uptimeMs = Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]) * 1000;
    const perf0 = performance.now();
    if (!Number.isFinite(uptimeMs) || id === "") return null;
    return { id, bootMsAt: (perfMs) => Math.max(0, Math.round(uptimeMs + (perfMs - perf0))) };
  } catch {
    return null;
  }
}
