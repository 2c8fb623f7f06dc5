import type { Lab, LabProcess } from "@wanpilot/lab";
import { scriptPath } from "../paths.js";
import { waitFor } from "../poll.js";
import type { RecipeConfig, RecipeEvent } from "./recipe.js";

/** The classic recipe running in a lab's gateway namespace, its decisions as events. */
export class RecipeRun {
  readonly events: RecipeEvent[] = [];
  private readonly proc: LabProcess;

  private constructor(
    readonly lab: Lab,
    readonly config: RecipeConfig,
  ) {
    this.proc = lab.spawn(
      lab.ns.gw,
      [process.execPath, scriptPath("baseline/run.js"), JSON.stringify(config)],
      {
        timeoutMs: config.durationMs + 10_000,
        onLine: (line, stream) => {
          if (stream !== "stdout") return;
          try {
            this.events.push(JSON.parse(line) as RecipeEvent);
          } catch {
            // not an event
          }
        },
      },
    );
  }

  /** The recipe as its users run it: 1 target, every 10 s, down after 1 failure, up after 4 successes. */
  static async start(lab: Lab, opts: { durationMs: number; intervalMs?: number }): Promise<RecipeRun> {
    const run = new RecipeRun(lab, {
      links: lab.isps.map((isp, i) => ({
        name: isp.name,
        dev: isp.wanInterface,
        source: isp.gwAddress,
        gateway: isp.modemAddress,
        table: 101 + i,
        weight: 1,
      })),
      target: lab.targets[0] ?? "203.0.113.1",
      intervalMs: opts.intervalMs ?? 10_000,
      downAfter: 1,
      upAfter: 4,
      durationMs: opts.durationMs,
    });
    await waitFor("the recipe to start", () => run.started(), 15_000);
    return run;
  }

  private started(): true | undefined {
    const err = this.events.find((e) => e.event === "error");
    if (err?.event === "error") throw new Error(`the recipe failed: ${err.message}`);
    return this.events.some((e) => e.event === "started") ? true : undefined;
  }

  /** Every link currently up in the recipe's eyes. */
  healthy(): boolean {
    const down = new Set<string>();
    for (const e of this.events) {
      if (e.event !== "state") continue;
      if (e.state === "down") down.add(e.link);
      else down.delete(e.link);
    }
    return down.size === 0;
  }

  transition(link: string, state: "up" | "down", after: number): number | undefined {
    return this.events.find(
      (e) => e.event === "state" && e.link === link && e.state === state && e.t >= after,
    )?.t;
  }

  routeChange(after: number): number | undefined {
    return this.events.find((e) => e.event === "route" && e.t >= after)?.t;
  }

  stop(): Promise<void> {
    return this.proc.stop(1000).then(() => undefined);
  }
}
