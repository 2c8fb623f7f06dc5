import { LabError } from "./errors.js";
import type { CommandResult } from "./run.js";

export interface PingOptions {
  /** Echo requests to send (1..10000, default 3). */
  readonly count?: number;
  /** Gap between requests (default 5 ms; below 200 ms needs root, which the lab has). */
  readonly intervalMs?: number;
  /** How long to wait for the last reply (default 1000 ms). */
  readonly waitMs?: number;
  /** Source address or interface (`ping -I`). */
  readonly source?: string;
}

export interface PingResult {
  readonly transmitted: number;
  readonly received: number;
  /** 0..1; 1 when nothing could be sent (e.g. no route). */
  readonly lossRatio: number;
  /** ping's error output when it could not send at all. */
  readonly error?: string;
}

const SUMMARY = /(\d+) packets transmitted, (\d+) (?:packets )?received/;

/** Reads ping's summary line; a run that never got to send (exit 2, no summary) counts as total loss. */
export function parsePingOutput(result: CommandResult): PingResult {
  const match = SUMMARY.exec(result.stdout);
  if (match === null) return { transmitted: 0, received: 0, lossRatio: 1, error: result.stderr.trim() };
  const transmitted = Number(match[1]);
  const received = Number(match[2]);
  return { transmitted, received, lossRatio: transmitted === 0 ? 1 : 1 - received / transmitted };
}

export function pingArgv(target: string, options: PingOptions): { argv: string[]; timeoutMs: number } {
  const count = options.count ?? 3;
  if (!Number.isInteger(count) || count < 1 || count > 10_000) {
    throw new LabError("LAB_INVALID_OPTIONS", `ping count: ${count} must be an integer between 1 and 10000`);
  }
  const intervalMs = options.intervalMs ?? 5;
  const waitMs = options.waitMs ?? 1_000;
  // No -w deadline: with -c and -w, ping keeps sending until `count` replies arrive, which skews loss.
  const argv = [
    "ping",
    "-n",
    "-q",
    "-c",
    String(count),
    "-i",
    String(intervalMs / 1000),
    "-W",
    String(waitMs / 1000),
  ];
  if (options.source !== undefined) argv.push("-I", options.source);
  argv.push(target);
  return { argv, timeoutMs: count * (2 * intervalMs + 10) + waitMs + 5_000 };
}
