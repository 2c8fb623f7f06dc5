import { spawn } from "node:child_process";

export interface RunOptions {
  /** Written to stdin, then closed; without it stdin is /dev/null. */
  input?: string;
  /** The child is killed (SIGKILL) after this long. */
  timeoutMs: number;
  /** Output nobody reads goes to /dev/null, not the heap. */
  discardStdout?: boolean;
  /** A child printing more than this is killed; its result says so (`overflow`). */
  maxBufferBytes?: number;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  /** null when it did not exit by itself (killed, or never started). */
  exitCode: number | null;
  timedOut: boolean;
  overflow: boolean;
  /** Why it could not be started (ENOENT, EACCES…). */
  error?: Error;
}

const DEFAULT_MAX_BUFFER = 64 * 1024 * 1024;

/**
 * Runs one program: an argv array (never a shell), a timeout, output collected. Resolves however the
 * child ends; callers decide which exit codes are failures. The parts run external commands every few
 * seconds: node:child_process directly costs a fraction of execa's CPU per spawn and none of its
 * ~5 MiB of heap (docs/bench.md, cost).
 */
export function runCommand(argv: readonly string[], opts: RunOptions): Promise<RunResult> {
  const [file, ...args] = argv;
  if (file === undefined) return Promise.reject(new Error("runCommand: empty argv"));
  const max = opts.maxBufferBytes ?? DEFAULT_MAX_BUFFER;
  return new Promise((resolve) => {
    const child = spawn(file, args, {
      stdio: [
        opts.input === undefined ? "ignore" : "pipe",
        opts.discardStdout === true ? "ignore" : "pipe",
        "pipe",
      ],
      shell: false,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let timedOut = false;
    let overflow = false;
    let error: Error | undefined;
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        overflow = true;
        child.kill("SIGKILL");
        return;
      }
      into.push(chunk);
    };
    child.stdout?.on("data", collect(out));
    child.stderr?.on("data", collect(err));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, opts.timeoutMs);
    child.once("error", (e) => {
      error = e;
    });
    // A child that exits before reading all its input closes the pipe: not our failure to report.
    child.stdin?.on("error", () => undefined);
    child.stdin?.end(opts.input);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        exitCode: code,
        timedOut,
        overflow,
        ...(error === undefined ? {} : { error }),
      });
    });
  });
}
