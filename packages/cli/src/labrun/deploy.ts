import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { validateConfig, type WanpilotConfig } from "@wanpilot/common";
import type { Lab, LabProcess } from "@wanpilot/lab";
import { stringify } from "yaml";
import { SUPERVISOR_NODE_FLAGS } from "../supervisor/supervisor.js";

/** The `wanpilot` launcher of this checkout (the processes in a lab run the compiled CLI). */
export const WANPILOT_BIN = fileURLToPath(new URL("../../bin/wanpilot.js", import.meta.url));

export interface LabDeployOptions {
  /** One weight per ISP (default 1 each). */
  weights?: number[];
  /** One tier per ISP (default 1 each). */
  tiers?: number[];
  /** Probe settings for every link (targets default to the lab's). */
  probe?: Record<string, unknown>;
  balance?: Record<string, unknown>;
  rules?: Array<Record<string, unknown>>;
  gateway?: string;
  port?: number;
  logLevel?: string;
  /** IPv6 on every link too (the lab must have it: `createLab({ ipv6: true })`), probing the lab's IPv6 targets. */
  ipv6?: boolean;
  /** Home Assistant's own user on the embedded broker (its password written to a file beside the config). */
  homeassistant?: { username: string; password: string };
  /** Extra lines of the supervisor's output go here (demo: none; tests: keep). */
  onLine?: (line: string, stream: "stdout" | "stderr") => void;
}

/** The config a lab deployment runs with, as the plain object written to YAML. */
export function labConfigObject(lab: Lab, dir: string, opts: LabDeployOptions = {}): Record<string, unknown> {
  return {
    gateway: opts.gateway ?? "lab",
    log_level: opts.logLevel ?? "info",
    runtime_dir: join(dir, "run"),
    links: lab.isps.map((isp, i) => ({
      name: isp.name,
      interface: isp.wanInterface,
      gateway: isp.modemAddress,
      source: isp.gwAddress,
      weight: opts.weights?.[i] ?? 1,
      tier: opts.tiers?.[i] ?? 1,
      probe: { targets: [...lab.targets], ...opts.probe },
      ...(opts.ipv6 && isp.ipv6 !== undefined
        ? {
            ipv6: {
              gateway: isp.ipv6.modemLinkLocal,
              source: isp.ipv6.gwAddress,
              targets: [...(lab.ipv6?.targets ?? [])],
            },
          }
        : {}),
    })),
    balance: opts.balance ?? {},
    rules: opts.rules ?? [],
    bus: { listen: `127.0.0.1:${opts.port ?? 1883}` },
    logger: { database: join(dir, "wanpilot.db") },
    ...(opts.homeassistant === undefined
      ? {}
      : {
          homeassistant: {
            username: opts.homeassistant.username,
            password_file: join(dir, "homeassistant.pass"),
          },
        }),
  };
}

export class LabDeployment {
  private constructor(
    readonly lab: Lab,
    readonly dir: string,
    readonly configPath: string,
    readonly config: WanpilotConfig,
    readonly supervisor: LabProcess,
  ) {}

  /** Writes the config and starts `wanpilot start` in the lab's gateway namespace. */
  static start(lab: Lab, opts: LabDeployOptions = {}): LabDeployment {
    const dir = mkdtempSync(join(tmpdir(), "wanpilot-lab-"));
    mkdirSync(join(dir, "run"), { recursive: true });
    const object = labConfigObject(lab, dir, opts);
    const parsed = validateConfig(object);
    if (!parsed.ok) throw new Error(`lab config is invalid:\n${parsed.problems.join("\n")}`);
    const configPath = join(dir, "wanpilot.yaml");
    if (opts.homeassistant !== undefined)
      writeFileSync(join(dir, "homeassistant.pass"), `${opts.homeassistant.password}\n`, { mode: 0o600 });
    writeFileSync(configPath, stringify(object));
    const supervisor = lab.spawn(
      lab.ns.gw,
      [process.execPath, ...SUPERVISOR_NODE_FLAGS, WANPILOT_BIN, "start", "--config", configPath],
      {
        timeoutMs: 0,
        ...(opts.onLine === undefined ? {} : { onLine: opts.onLine }),
      },
    );
    return new LabDeployment(lab, dir, configPath, parsed.config, supervisor);
  }

  /** Runs `wanpilot <args…> --config <this config>` inside the gateway namespace; returns stdout. */
  cli(args: string[], timeoutMs = 15_000): Promise<string> {
    return this.lab.exec(
      this.lab.ns.gw,
      [process.execPath, WANPILOT_BIN, ...args, "--config", this.configPath],
      { timeoutMs },
    );
  }

  /** Spawns a long-running `wanpilot <args…>` (e.g. `status --watch`) inside the gateway namespace. */
  spawnCli(args: string[], onLine?: (line: string, stream: "stdout" | "stderr") => void): LabProcess {
    return this.lab.spawn(
      this.lab.ns.gw,
      [process.execPath, WANPILOT_BIN, ...args, "--config", this.configPath],
      {
        timeoutMs: 0,
        ...(onLine === undefined ? {} : { onLine }),
      },
    );
  }

  /** Stops wanpilot (SIGTERM, then SIGKILL after 6 s); removes its files unless kept (the database, for a report). */
  async stop(opts: { keepFiles?: boolean } = {}): Promise<void> {
    await this.supervisor.stop(6000);
    if (opts.keepFiles !== true) this.removeFiles();
  }

  removeFiles(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
