import type { Lab, LabProcess } from "@wanpilot/lab";
import { scriptPath } from "../paths.js";
import type { Attempt, ConnectLoopConfig } from "../scripts/connect-loop.js";

/** A LAN client opening a new TCP connection every intervalMs (see scripts/connect-loop.ts). */
export class ConnectLoop {
  readonly attempts: Attempt[] = [];
  private readonly proc: LabProcess;

  constructor(lab: Lab, opts: Partial<ConnectLoopConfig> & { ns?: string } = {}) {
    const cfg: ConnectLoopConfig = {
      host: opts.host ?? lab.server.address,
      port: opts.port ?? lab.server.tcpPort,
      intervalMs: opts.intervalMs ?? 50,
      timeoutMs: opts.timeoutMs ?? 1000,
      durationMs: opts.durationMs ?? 30_000,
      maxAttempts: opts.maxAttempts ?? 2000,
    };
    this.proc = lab.spawn(
      opts.ns ?? lab.ns.lan,
      [process.execPath, scriptPath("scripts/connect-loop.js"), JSON.stringify(cfg)],
      {
        timeoutMs: cfg.durationMs + cfg.timeoutMs + 5000,
        onLine: (line, stream) => {
          if (stream !== "stdout") return;
          try {
            this.attempts.push(JSON.parse(line) as Attempt);
          } catch {
            // not an attempt line
          }
        },
      },
    );
  }

  stop(): Promise<void> {
    return this.proc.stop(1000).then(() => undefined);
  }

  exited(): Promise<unknown> {
    return this.proc.exited;
  }
}
