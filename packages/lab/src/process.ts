import { EventEmitter } from "node:events";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { execa } from "execa";
import { LabError } from "./errors.js";

export interface SpawnOptions {
  /** Lifetime cap; the process gets SIGTERM after this long (default 10 min; 0 = only the lab's destroy ends it). */
  readonly timeoutMs?: number;
  readonly env?: Readonly<Record<string, string>>;
  /** Called for every line the process prints. */
  readonly onLine?: (line: string, stream: "stdout" | "stderr") => void;
  /** How many recent lines to keep for `lines()` and error messages (default 200). */
  readonly keepLines?: number;
}

export interface ProcessExit {
  readonly exitCode: number | undefined;
  readonly signal: string | undefined;
}

const DEFAULT_LIFETIME_MS = 10 * 60_000;

function spawnSubprocess(file: string, args: readonly string[], options: SpawnOptions) {
  return execa(file, args, {
    buffer: false,
    reject: false,
    detached: true,
    timeout: options.timeoutMs ?? DEFAULT_LIFETIME_MS,
    ...(options.env === undefined ? {} : { env: options.env }),
  });
}

type Subprocess = ReturnType<typeof spawnSubprocess>;
const DEFAULT_STOP_GRACE_MS = 1_000;

/**
 * A long-running command. Its output is always consumed (a full pipe would block it) and the last
 * lines kept; it runs in its own process group so `stop()` also ends whatever it started.
 */
export class LabProcess {
  readonly argv: readonly string[];
  readonly pid: number | undefined;
  /** Settles (never rejects) when the process has exited. */
  readonly exited: Promise<ProcessExit>;
  private readonly recent: string[] = [];
  private readonly events = new EventEmitter().setMaxListeners(0);
  private exit: ProcessExit | undefined;
  private readonly subprocess: Subprocess;

  constructor(argv: readonly string[], options: SpawnOptions = {}) {
    const [file, ...args] = argv;
    if (file === undefined) throw new LabError("LAB_INVALID_OPTIONS", "empty argv");
    this.argv = argv;
    this.subprocess = spawnSubprocess(file, args, options);
    this.pid = this.subprocess.pid;
    const keep = options.keepLines ?? 200;
    const onLine = (line: string, stream: "stdout" | "stderr"): void => {
      this.recent.push(line);
      if (this.recent.length > keep) this.recent.shift();
      options.onLine?.(line, stream);
      this.events.emit("line", line, stream);
    };
    this.readLines(this.subprocess.stdout, "stdout", onLine);
    this.readLines(this.subprocess.stderr, "stderr", onLine);
    this.exited = this.subprocess.then((result) => {
      this.exit = { exitCode: result.exitCode, signal: result.signal };
      this.events.emit("exit");
      return this.exit;
    });
  }

  private readLines(
    stream: Readable | null,
    name: "stdout" | "stderr",
    onLine: (line: string, stream: "stdout" | "stderr") => void,
  ): void {
    if (stream === null) return;
    createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on("line", (line) =>
      onLine(line, name),
    );
  }

  /** The process's stdin, e.g. to feed it commands. */
  get stdin(): NodeJS.WritableStream | null {
    return this.subprocess.stdin;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** The most recent output lines (stdout and stderr interleaved). */
  lines(): readonly string[] {
    return [...this.recent];
  }

  /** Calls `listener` for every line printed from now on; returns a function that unsubscribes. */
  onLine(listener: (line: string, stream: "stdout" | "stderr") => void): () => void {
    this.events.on("line", listener);
    return () => this.events.off("line", listener);
  }

  /** Resolves with the first line (already printed or future) matching `predicate`. */
  waitForLine(predicate: (line: string) => boolean, timeoutMs: number): Promise<string> {
    const seen = this.recent.find(predicate);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        this.events.off("line", onLine);
        this.events.off("exit", onExit);
      };
      const onLine = (line: string): void => {
        if (!predicate(line)) return;
        cleanup();
        resolve(line);
      };
      const onExit = (): void => {
        cleanup();
        reject(this.failure("LAB_PROCESS_FAILED", "exited before printing the expected line"));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(this.failure("LAB_TIMEOUT", `did not print the expected line within ${timeoutMs} ms`));
      }, timeoutMs);
      this.events.on("line", onLine);
      this.events.on("exit", onExit);
      if (this.exit !== undefined) onExit();
    });
  }

  private failure(code: "LAB_TIMEOUT" | "LAB_PROCESS_FAILED", what: string): LabError {
    const tail = this.recent.slice(-10).join("\n");
    return new LabError(code, `${this.argv.join(" ")} ${what}; last output:\n${tail}`, {
      argv: this.argv,
      stderr: tail,
      ...(this.exit?.exitCode === undefined ? {} : { exitCode: this.exit.exitCode }),
    });
  }

  /** SIGTERM to the process group, SIGKILL after `graceMs`; resolves once it has exited. */
  async stop(graceMs = DEFAULT_STOP_GRACE_MS): Promise<ProcessExit> {
    if (this.exit !== undefined) return this.exit;
    this.signalGroup("SIGTERM");
    const timer = setTimeout(() => this.signalGroup("SIGKILL"), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGKILL to the process group, without waiting (for exit handlers). */
  killNow(): void {
    this.signalGroup("SIGKILL");
  }

  private signalGroup(signal: NodeJS.Signals): void {
    if (this.pid === undefined) return;
    try {
      process.kill(-this.pid, signal);
    } catch {
      // group already gone
    }
  }
}
