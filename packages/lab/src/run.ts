import { execa, execaSync } from "execa";
import { LabError } from "./errors.js";

export interface RunOptions {
  /** Kill the command after this long (default 10 s). */
  readonly timeoutMs?: number;
  /** Written to the command's stdin. */
  readonly input?: string;
  /** Exit codes that count as success (default [0]). */
  readonly okExitCodes?: readonly number[];
}

export interface CommandResult {
  readonly argv: readonly string[];
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** Runs one command (argv, never a shell) with a timeout; throws a LabError carrying argv, exit code and stderr. */
export async function run(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
  const [file, ...args] = argv;
  if (file === undefined) throw new LabError("LAB_INVALID_OPTIONS", "empty argv");
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const result = await execa(file, args, {
    timeout: timeoutMs,
    reject: false,
    stripFinalNewline: false,
    ...(options.input === undefined ? {} : { input: options.input }),
  });
  const stderr = result.stderr;
  if (result.timedOut) {
    throw new LabError("LAB_TIMEOUT", `timed out after ${timeoutMs} ms: ${argv.join(" ")}`, {
      argv,
      stderr,
      cause: result.cause,
    });
  }
  const exitCode = result.exitCode;
  if (exitCode === undefined || !(options.okExitCodes ?? [0]).includes(exitCode)) {
    const why = exitCode === undefined ? (result.signal ?? result.shortMessage) : `exit code ${exitCode}`;
    throw new LabError("LAB_COMMAND_FAILED", `${argv.join(" ")} failed (${why}): ${stderr.trim()}`, {
      argv,
      stderr,
      cause: result.cause,
      ...(exitCode === undefined ? {} : { exitCode }),
    });
  }
  return { argv, stdout: result.stdout, stderr, exitCode };
}

/** Synchronous best effort for process-exit cleanup: never throws, returns stdout ("" on failure). */
export function runSyncQuiet(argv: readonly string[], timeoutMs = 5_000): string {
  const [file, ...args] = argv;
  if (file === undefined) return "";
  try {
    const result = execaSync(file, args, { timeout: timeoutMs, reject: false });
    return result.exitCode === 0 ? result.stdout : "";
  } catch {
    return "";
  }
}

/** argv that runs `argv` inside network namespace `ns`. */
export function inNamespace(ns: string, argv: readonly string[]): string[] {
  return ["ip", "netns", "exec", ns, ...argv];
}

/** Many `ip` commands in one namespace and one process (`ip -n NS -batch -`). */
export async function ipBatch(ns: string, lines: readonly string[], timeoutMs?: number): Promise<void> {
  if (lines.length === 0) return;
  await run(["ip", "-n", ns, "-batch", "-"], {
    input: `${lines.join("\n")}\n`,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });
}

/** Applies an nftables file atomically inside `ns`. */
export async function nftApply(ns: string, ruleset: string): Promise<void> {
  await run(inNamespace(ns, ["nft", "-f", "-"]), { input: ruleset });
}

export async function sysctlSet(ns: string, settings: readonly string[]): Promise<void> {
  if (settings.length === 0) return;
  await run(inNamespace(ns, ["sysctl", "-q", "-w", ...settings]));
}
