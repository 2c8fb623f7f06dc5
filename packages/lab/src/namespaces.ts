import { readFileSync } from "node:fs";
import { LabError } from "./errors.js";
import { parseLabNamespace } from "./names.js";
import { run, runSyncQuiet } from "./run.js";

/** Names from `ip netns list` ("name (id: 3)" → "name"). */
export function parseNetnsList(stdout: string): string[] {
  return stdout
    .split("\n")
    .map((line) => line.trim().split(/\s+/)[0] ?? "")
    .filter((name) => name.length > 0);
}

export async function listNamespaces(): Promise<string[]> {
  return parseNetnsList((await run(["ip", "netns", "list"])).stdout);
}

export async function addNamespace(name: string): Promise<void> {
  await run(["ip", "netns", "add", name]);
}

function parsePids(stdout: string): number[] {
  return stdout
    .split("\n")
    .map((line) => Number(line.trim()))
    .filter((pid) => Number.isInteger(pid) && pid > 0);
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/**
 * Kills whatever still runs inside the namespace, then removes it. A process left inside would keep
 * the namespace (and its interfaces) alive after `ip netns del`. Missing namespaces are not an error.
 */
export async function removeNamespace(name: string): Promise<void> {
  const pids = await run(["ip", "netns", "pids", name], { okExitCodes: [0, 1, 255] });
  for (const pid of parsePids(pids.stdout)) {
    if (pid !== process.pid) killQuietly(pid);
  }
  const result = await run(["ip", "netns", "delete", name], { okExitCodes: [0, 1, 255] });
  if (result.exitCode !== 0 && !/No such file/i.test(result.stderr)) {
    throw new LabError("LAB_CLEANUP_FAILED", `ip netns delete ${name}: ${result.stderr.trim()}`, {
      argv: result.argv,
      exitCode: result.exitCode,
      stderr: result.stderr,
    });
  }
}

/** Same as removeNamespace, synchronously and never throwing: for process-exit handlers. */
export function removeNamespaceSync(name: string): void {
  for (const pid of parsePids(runSyncQuiet(["ip", "netns", "pids", name]))) {
    if (pid !== process.pid) killQuietly(pid);
  }
  runSyncQuiet(["ip", "netns", "delete", name]);
}

/** True while the process exists and is not a zombie (a killed process may wait a while to be reaped). */
export function isPidAlive(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return false;
  }
  // The state follows the command name, which is in parentheses and may itself contain ") ".
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return state !== "Z" && state !== "X";
}

export interface SweepOptions {
  /** Decides whether a lab's creator still runs (default: signal 0 to the pid). */
  readonly isAlive?: (pid: number) => boolean;
}

/**
 * Removes every lab namespace whose creator process is gone. Safe to run while other labs are live,
 * from several processes at once. Returns the names removed.
 */
export async function sweepStaleLabs(options: SweepOptions = {}): Promise<string[]> {
  const isAlive = options.isAlive ?? isPidAlive;
  const stale = (await listNamespaces()).filter((name) => {
    const parsed = parseLabNamespace(name);
    return parsed !== undefined && parsed.pid !== process.pid && !isAlive(parsed.pid);
  });
  await Promise.all(stale.map((name) => removeNamespace(name)));
  return stale;
}
