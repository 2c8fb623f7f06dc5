import { cpus, release, totalmem } from "node:os";
import type { Summary } from "./stats.js";

export type Unit = "ms" | "points" | "count" | "percent" | "MiB" | "ratio" | "MB/month";

/** One number of the benchmark: a summary over trials, or a single value. */
export interface Measurement {
  scenario: string;
  metric: string;
  /** Who was measured: "wanpilot (default)", "wanpilot (fast)", "classic recipe", "kernel alone", a process… */
  system: string;
  unit: Unit;
  /** Repeated trials or samples, in `unit` (the fields say Ms for the most common one). */
  summary?: Summary;
  /** Which tail the table shows next to the median (default p95). */
  tail?: "p95" | "p99";
  /** A single value (a count, a share deviation, a ratio); null when it could not be measured. */
  value?: number | null;
  note?: string;
  /** What the table shows instead of the number (a bound that was never reached: "never (≥ 20 s)"). */
  display?: string;
}

export interface ScenarioResult {
  name: string;
  startedAt: string;
  durationMs: number;
  measurements: Measurement[];
  notes: string[];
  /** Set when the scenario failed; its measurements are what was gathered before. */
  error?: string;
  /** Raw per-trial data, for anyone who wants to redo the statistics. */
  raw?: unknown;
}

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryMiB: number;
  kernel: string;
  node: string;
  platform: string;
}

export interface BenchResults {
  schema: "wanpilot-bench/1";
  command: string;
  quick: boolean;
  date: string;
  machine: Machine;
  durationMs: number;
  scenarios: ScenarioResult[];
}

export function machineInfo(): Machine {
  const cpu = cpus();
  return {
    cpuModel: cpu[0]?.model.trim() ?? "unknown",
    cores: cpu.length,
    memoryMiB: Math.round(totalmem() / 2 ** 20),
    kernel: release(),
    node: process.version,
    platform: process.platform,
  };
}
