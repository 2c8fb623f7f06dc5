import { createInterface } from "node:readline";
import { backoffMs } from "@wanpilot/runtime";
import { execa } from "execa";
import type { Logger } from "pino";
import { type CommandPrefix, withPrefix } from "./command.js";

/**
 * A long-running command (ping, ip monitor) whose stdout lines are handed over as they come, restarted
 * with a back-off whenever it exits. No timeout: it runs until `stop()`.
 */
const OPTIONS = { reject: false, stdin: "ignore", buffer: { stdout: false, stderr: true } } as const;
type Child = ReturnType<typeof execa<typeof OPTIONS>>;

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
      this.#child.kill("SIGTERM");
    }
    this.#failures = 0;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    const child = this.#child;
    if (child === undefined) return;
    child.kill("SIGTERM");
    await child.catch(() => undefined);
  }

  #spawn(): void {
    const argv = this.opts.argv();
    // Nothing to run yet (no source address): look again after the back-off.
    if (argv === undefined) {
      this.#again(false);
      return;
    }
    const { file, args } = withPrefix(this.opts.prefix, argv);
    const child = execa(file, args, OPTIONS);
    this.#child = child;
    this.opts.onStart?.();
    const started = Date.now();
    createInterface({ input: child.stdout }).on("line", (line) => this.opts.onLine(line));
    void child.then((r) => {
      this.#child = undefined;
      if (this.#stopped) return;
      if (this.#restarting) {
        this.#restarting = false;
        this.#spawn();
        return;
      }
      this.opts.log.warn(
        { argv: [file, ...args], exitCode: r.exitCode, stderr: String(r.stderr).slice(0, 300) },
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
