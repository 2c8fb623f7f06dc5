import { ProbeConfig } from "@wanpilot/common";
import type { Lab } from "@wanpilot/lab";
import { LabDeployment, type LabDeployOptions } from "wanpilot/labrun";
import { BusTap } from "./observe/bus.js";
import { waitFor } from "./poll.js";

export const GATEWAY = "bench";

/** Probe settings of the two profiles the bench runs. */
export const PROFILES = {
  default: {},
  // docs/prober.md, "Defaults and profiles": for wired links with RTT well under 150 ms
  fast: { interval: "100ms", timeout: "150ms" },
} as const satisfies Record<string, Record<string, unknown>>;

/**
 * Flap damping (prober) makes a link that went down 3 times in 5 minutes wait 4× longer to come back;
 * trials cut the same link every few seconds, so the bench turns it off (factor 1) where the schema has it.
 */
export function withoutDamping(probe: Record<string, unknown>): Record<string, unknown> {
  const candidate = { ...probe, damping: { factor: 1 } };
  return ProbeConfig.safeParse(candidate).success ? candidate : probe;
}

/** wanpilot running in a lab's gateway namespace, with a tap on its bus. */
export class Running {
  private readonly output: string[] = [];
  readonly dep: LabDeployment;
  readonly tap: BusTap;

  /** `tapCommands`: the tap also sees link commands and their results; `onLine`: every line wanpilot prints. */
  constructor(
    readonly lab: Lab,
    opts: LabDeployOptions & { tapCommands?: boolean },
  ) {
    const { tapCommands, onLine, ...deploy } = opts;
    this.dep = LabDeployment.start(lab, {
      gateway: GATEWAY,
      logLevel: "warn",
      ...deploy,
      onLine: (line, stream) => {
        onLine?.(line, stream);
        this.output.push(line);
        if (this.output.length > 40) this.output.shift();
      },
    });
    this.tap = new BusTap(lab, `mqtt://${this.dep.config.bus.listen}`, GATEWAY, {
      commands: tapCommands === true,
    });
  }

  get links(): string[] {
    return this.lab.isps.map((i) => i.name);
  }

  async waitHealthy(timeoutMs: number): Promise<void> {
    try {
      await waitFor(
        "every link up and active",
        () => {
          if (!this.dep.supervisor.running) throw new Error("wanpilot start exited");
          return this.tap.healthy(this.links) ? true : undefined;
        },
        timeoutMs,
        20,
      );
    } catch (err: unknown) {
      throw new Error(
        `${err instanceof Error ? err.message : String(err)}; wanpilot said:\n${this.output.slice(-15).join("\n")}`,
        { cause: err },
      );
    }
  }

  recentOutput(): string[] {
    return [...this.output];
  }

  async stop(): Promise<void> {
    await this.tap.stop();
    await this.dep.stop();
  }
}
