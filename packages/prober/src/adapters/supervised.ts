import { type ChildProcess, spawn } from "node:child_process";
import { backoffMs } from "@wanpilot/runtime";
import type { Logger } from "pino";
import { splitLines } from "../core/lines.js";
import { type CommandPrefix, withPrefix } from "./command.js";

/** The end of a child's stderr kept for the log line when it exits. */
const STDERR_TAIL = 300;

interface Child {
  proc: ChildProcess;
  exited: Promise<void>;
}

/**
 * A long-running command (ping, ip monitor) whose stdout lines are handed over as they come, restarted
 * with a back-off whenever it exits. No timeout: it runs until `stop()`.
 */

export class Supervised {
  #child: Child | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = true;
  #restarting = false;
  /** Exits since start or the last restart() (drives the back-off; one after a long run restarts at once). */
  #failures = 0;

  constructor(
    private readonly opts: {
      prefix: CommandPrefix;
      argv: () => readonly string[] | undefined;
      onLine: (line: string) => void;
      onStart?: () => void;
      log: Logger;
      minBackoffMs?: number;
    },
  ) {}

  start(): void {
    this.#stopped = false;
    this.#spawn();
  }

  /** Kills the running process; it is started again (with fresh argv) at once. */
  restart(): void {
    if (this.#stopped) return;
    if (this.#child === undefined) {
      clearTimeout(this.#timer);
      this.#spawn();
    } else {
      this.#restarting = true;
      this.#child.proc.kill("SIGTERM");
    }
    this.#failures = 0;
  }

  /**
   * What made it fail may be gone (the link's path appeared): one waiting out its back-off starts now, with
   * the back-off reset. A running one is left alone.
   */
  retryNow(): void {
    if (this.#stopped || this.#child !== undefined) return;
    clearTimeout(this.#timer);
    this.#failures = 0;
    this.#spawn();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    const child = this.#child;
    if (child === undefined) return;
    child.proc.kill("SIGTERM");
    await child.exited;
  }

  #spawn(): void {
    const argv = this.opts.argv();
    // Nothing to run yet (no source address): look again after the back-off.
    if (argv === undefined) {
      this.#again(false);
      return;
    }
    const { file, args } = withPrefix(this.opts.prefix, argv);
    // argv array, no shell; stdin closed, stdout read line by line, only stderr's tail kept.
    const proc = spawn(file, args, { stdio: ["ignore", "pipe", "pipe"], shell: false });
    let stderr = "";
    proc.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_TAIL);
    });
    proc.once("error", (err) => {
      stderr = err.message;
    });
    const exited = new Promise<void>((resolve) => proc.once("close", () => resolve()));
    this.#child = { proc, exited };
    this.opts.onStart?.();
    const started = Date.now();
    // Split here rather than by node:readline: a prober reads ~15 lines a second for as long as it runs.
    let rest = "";
    const emit = (lines: string[]) => {
      for (const line of lines) this.opts.onLine(line);
    };
    proc.stdout
      ?.setEncoding("utf8")
      .on("data", (chunk: string) => {
        const split = splitLines(rest, chunk);
        rest = split.rest;
        emit(split.lines);
      })
      .once("end", () => emit(rest === "" ? [] : [rest]));
    void exited.then(() => {
      this.#child = undefined;
      if (this.#stopped) return;
      if (this.#restarting) {
        this.#restarting = false;
        this.#spawn();
        return;
      }
      this.opts.log.warn(
        { argv: [file, ...args], exitCode: proc.exitCode, stderr },
        "command exited; restarting",
      );
      // A process that ran for a while gets restarted at once; one that dies at start backs off.
      this.#again(Date.now() - started > 10_000);
    });
  }

  #again(immediately: boolean): void {
    if (this.#stopped) return;
    this.#failures += 1;
    const delay = immediately
      ? 0
      : backoffMs(this.#failures, { firstDelayMs: this.opts.minBackoffMs ?? 200, maxDelayMs: 5000 });
    this.#timer = setTimeout(() => this.#spawn(), delay);
  }
}
