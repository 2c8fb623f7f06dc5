import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { until } from "@wanpilot/testing";

/** A spawned process whose stdout/stderr lines are kept (with arrival times) for assertions. */
export class Spawned {
  readonly proc: ChildProcess;
  readonly lines: Array<{ atMs: number; line: string; stream: "out" | "err" }> = [];
  exit: { code: number | null; signal: string | null; atMs: number } | undefined;

  constructor(argv: string[], env: NodeJS.ProcessEnv = process.env, stdin: "ignore" | "pipe" = "ignore") {
    const [cmd, ...args] = argv;
    this.proc = spawn(cmd ?? "false", args, { stdio: [stdin, "pipe", "pipe"], env });
    for (const [stream, src] of [
      ["out", this.proc.stdout],
      ["err", this.proc.stderr],
    ] as const)
      if (src !== null)
        createInterface({ input: src }).on("line", (line) =>
          this.lines.push({ atMs: Date.now(), line, stream }),
        );
    this.proc.once("exit", (code, signal) => {
      this.exit = { code, signal, atMs: Date.now() };
    });
  }

  get pid(): number {
    return this.proc.pid ?? -1;
  }

  /** Parsed pino JSON lines of stdout. */
  json(): Array<Record<string, unknown> & { atMs: number }> {
    return this.lines.flatMap(({ line, atMs }) => {
      if (!line.startsWith("{")) return [];
      try {
        return [{ ...(JSON.parse(line) as Record<string, unknown>), atMs }];
      } catch {
        return [];
      }
    });
  }

  text(): string {
    return this.lines.map((l) => l.line).join("\n");
  }

  async stop(signal: NodeJS.Signals = "SIGTERM", timeoutMs = 10_000): Promise<void> {
    if (this.exit !== undefined) return;
    this.proc.kill(signal);
    try {
      await until("exit", () => this.exit !== undefined, timeoutMs);
    } catch {
      this.proc.kill("SIGKILL");
      await until("exit after SIGKILL", () => this.exit !== undefined, 5000);
    }
  }
}

/** Running (a zombie left to a parent that does not reap it counts as gone). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}
