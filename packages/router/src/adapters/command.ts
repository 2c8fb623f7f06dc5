import { spawn } from "node:child_process";
import { WanpilotError } from "@wanpilot/common";

export interface CommandResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface CommandOptions {
  input?: string;
  /** Exit codes that are answers, not failures (e.g. conntrack's 1 for "nothing deleted"). */
  okExitCodes?: number[];
  timeoutMs?: number;
  /** Output nobody reads (a listing only counted from its summary on stderr) goes to /dev/null, not the heap. */
  discardStdout?: boolean;
}

/** Runs one external command: argv array, never a shell, always a timeout. */
export type Runner = (argv: string[], opts?: CommandOptions) => Promise<CommandResult>;

export const DEFAULT_TIMEOUT_MS = 5000;

/**
 * A runner over node's spawn (argv, no shell). Not execa: on the hot path of every failover and
 * operator command its extra machinery cost 6–9 ms a process on a busy 2-core gateway (measured).
 * `prefix` goes before every argv: `["ip", "netns", "exec", ns]` runs everything inside a namespace
 * (the lab's gateway); production uses none.
 */
export function createRunner(prefix: string[] = []): Runner {
  return (argv, opts = {}) =>
    new Promise((resolve, reject) => {
      const full = [...prefix, ...argv];
      const [file, ...args] = full;
      if (file === undefined) {
        reject(new WanpilotError("COMMAND_FAILED", "empty command"));
        return;
      }
      const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      const child = spawn(file, args, {
        stdio: [
          opts.input === undefined ? "ignore" : "pipe",
          opts.discardStdout === true ? "ignore" : "pipe",
          "pipe",
        ],
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout?.on("data", (d: Buffer) => out.push(d));
      child.stderr?.on("data", (d: Buffer) => err.push(d));
      let settled = false;
      const settle = (f: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        f();
      };
      const timer = setTimeout(
        () =>
          settle(() => {
            child.kill("SIGKILL");
            reject(
              new WanpilotError("COMMAND_TIMEOUT", `${full.join(" ")} timed out after ${timeoutMs} ms`, {
                details: { argv: full, timeoutMs },
              }),
            );
          }),
        timeoutMs,
      );
      const failed = (exitCode: number, stderr: string, cause?: unknown) =>
        new WanpilotError(
          "COMMAND_FAILED",
          `${full.join(" ")} exited ${exitCode}: ${stderr.trim().slice(0, 500)}`,
          {
            cause,
            details: { argv: full, exitCode, stderr },
          },
        );
      child.once("error", (e) => settle(() => reject(failed(-1, e.message, e))));
      child.once("close", (code) =>
        settle(() => {
          const stderr = Buffer.concat(err).toString("utf8");
          const exitCode = code ?? -1;
          if (exitCode !== 0 && !(opts.okExitCodes ?? []).includes(exitCode))
            reject(failed(exitCode, stderr));
          else resolve({ stdout: Buffer.concat(out).toString("utf8"), stderr, exitCode });
        }),
      );
      if (child.stdin !== null) {
        // A command that exits without reading its input (a usage error) must not crash the router.
        child.stdin.on("error", () => undefined);
        child.stdin.end(opts.input);
      }
    });
}
