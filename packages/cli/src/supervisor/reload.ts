import { randomUUID } from "node:crypto";
import { isWanpilotError, type Operation, type WanpilotConfig } from "@wanpilot/common";
import { type Logger, loadConfigText, writeConfigSnapshot } from "@wanpilot/runtime";
import { planReload } from "../core/reload-plan.js";
import { childSpecs } from "./children.js";
import type { Supervisor } from "./supervisor.js";

export interface Reloadable {
  reload(config: WanpilotConfig): void | Promise<void>;
}

/** The one line a refused config gets: its first problem, and how many more there are. */
function problemLine(err: unknown, path: string): string {
  if (!isWanpilotError(err)) throw err;
  const problems = Array.isArray(err.details.problems) ? err.details.problems.map(String) : [err.message];
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem(s); see check-config)` : "";
  const first = problems[0] ?? err.message;
  return `${first.startsWith(path) ? first : `${path}: ${first}`}${more}`;
}

/**
 * `wanpilot start`'s reload: the whole file is validated first and refused as a whole (nothing
 * changes); otherwise the snapshot is replaced, the broker takes the new config, probers
 * of removed links stop, those of added links start, and every running part (the observer too) gets
 * SIGHUP to reload from the snapshot (each restarts or reconciles only when what it uses changed).
 */
export class ReloadCoordinator {
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private config: WanpilotConfig,
    private readonly opts: {
      path: string;
      supervisor: Supervisor;
      parts: Reloadable[];
      log: Logger;
      publish: (op: Operation) => void;
    },
  ) {}

  /** Reloads one at a time; resolves with the Operation published for it. */
  reload(by: string): Promise<Operation> {
    const next = this.running.then(() => this.once(by));
    this.running = next.catch(() => undefined);
    return next;
  }

  private async once(by: string): Promise<Operation> {
    const { log, path, supervisor } = this.opts;
    const op = (result: Operation["result"], reason: string): Operation => ({
      id: `reload-${randomUUID()}`,
      at: new Date().toISOString(),
      by,
      action: "reload",
      link: null,
      value: null,
      command: null,
      result,
      reason: reason.slice(0, 500),
    });
    let loaded: { text: string; config: WanpilotConfig };
    try {
      loaded = loadConfigText(path);
    } catch (err: unknown) {
      return this.refuse(op("refused", problemLine(err, path)));
    }
    const plan = planReload(this.config, loaded.config);
    if (!plan.ok) return this.refuse(op("refused", plan.reason));
    try {
      for (const part of this.opts.parts) await part.reload(loaded.config);
    } catch (err: unknown) {
      return this.refuse(
        op("refused", `${err instanceof Error ? err.message : String(err)} (nothing changed)`),
      );
    }
    writeConfigSnapshot(loaded.config.runtime_dir, loaded.text);
    this.config = loaded.config;
    for (const name of plan.remove) await supervisor.remove(`prober/${name}`);
    supervisor.signalAll("SIGHUP");
    for (const spec of childSpecs(loaded.config).filter((s) =>
      plan.add.some((n) => s.name === `prober/${n}`),
    ))
      supervisor.add(spec);
    const done = op("accepted", plan.summary);
    log.info({ by, summary: plan.summary }, "config reloaded");
    this.opts.publish(done);
    return done;
  }

  private refuse(op: Operation): Operation {
    this.opts.log.error({ by: op.by, reason: op.reason }, `reload refused: ${op.reason}`);
    this.opts.publish(op);
    return op;
  }
}
