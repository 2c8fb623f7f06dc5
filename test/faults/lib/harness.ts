import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type Component,
  componentId,
  partComponents,
  RouterState,
  SupervisorState,
  topics,
  validateConfig,
  type WanpilotConfig,
} from "@wanpilot/common";
import { createLab, isPidAlive, type Lab, type LabProcess } from "@wanpilot/lab";
import { deriveBusPassword, readBusSecret } from "@wanpilot/runtime";
import { until } from "@wanpilot/testing";
import { type LabDeployOptions, labConfigObject, WANPILOT_BIN } from "wanpilot/labrun";
import { stringify } from "yaml";
import { BusWatch } from "../../helpers/watch.js";

/** A pino line printed by wanpilot start or one of its children. */
export type LogLine = Record<string, unknown> & { atMs: number; msg?: string; component?: string };

/** Zombie-aware: a killed child not yet reaped counts as gone. */
export { isPidAlive as isAlive } from "@wanpilot/lab";

const BUS_CLIENT = fileURLToPath(new URL("./bus-client.mjs", import.meta.url));
export const PORT = 1883; // the lab's gateway namespace has its own ports

/** Probing fast enough that a fault test sees many transitions in little time. */
export const FAST_PROBE = { interval: "100ms", timeout: "300ms", down: 2, up: 2 };

export { until };

/** For lab.tryExec: every exit code is an answer. */
export const ANY_EXIT = Array.from({ length: 256 }, (_, i) => i);

/** Everything wanpilot-related in the gateway namespace's kernel, as text (counters removed). */
export async function kernelSnapshot(lab: Lab): Promise<Record<string, string>> {
  const cmds: Record<string, string[]> = {
    rules4: ["ip", "-4", "rule", "show"],
    rules6: ["ip", "-6", "rule", "show"],
    routes4: ["ip", "-4", "route", "show", "table", "all"],
    routes6: ["ip", "-6", "route", "show", "table", "all"],
    nexthops: ["ip", "nexthop", "show"],
    nft: ["nft", "list", "ruleset"],
  };
  const out: Record<string, string> = {};
  for (const [name, argv] of Object.entries(cmds)) {
    const r = await lab.tryExec(lab.ns.gw, argv, { timeoutMs: 5000, okExitCodes: ANY_EXIT });
    out[name] = `${r.stdout}${r.exitCode === 0 ? "" : `\n[exit ${String(r.exitCode)}] ${r.stderr}`}`
      .replace(/counter packets \d+ bytes \d+/g, "counter")
      .replace(/ expires \d+sec/g, "")
      // Link-local addresses finish duplicate address detection on their own, seconds after creation.
      .replace(/^local fe80::\S+ dev .*\n/gm, "");
  }
  return out;
}

/**
 * wanpilot in a fresh lab's gateway: `wanpilot start` (mode "start"), or each part as its own process
 * like systemd units (mode "parts": `wanpilot broker`, one `wanpilot prober --link X` per link,
 * `wanpilot router`, `wanpilot logger`). Keeps every log line and an anonymous watcher of the bus.
 * The files (config, bus secret, database) stay the same across restarts.
 */
export class Deployed {
  readonly logs: LogLine[] = [];
  readonly other: string[] = [];
  watch!: BusWatch;
  readonly procs = new Map<string, LabProcess>();
  readonly dir: string;
  readonly configPath: string;
  readonly config: WanpilotConfig;
  private clients: LabProcess[] = [];
  /** Every child pid seen in a supervisor state (for the final clean-up). */
  private readonly childPids = new Set<number>();

  private constructor(
    readonly lab: Lab,
    readonly gateway: string,
    readonly mode: "start" | "parts",
    deploy: LabDeployOptions,
    private readonly env: Record<string, string> | undefined,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), "wanpilot-faults-"));
    mkdirSync(join(this.dir, "run"), { recursive: true });
    const object = labConfigObject(lab, this.dir, { probe: FAST_PROBE, port: PORT, ...deploy });
    const parsed = validateConfig(object);
    if (!parsed.ok) throw new Error(`fault config is invalid:\n${parsed.problems.join("\n")}`);
    this.config = parsed.config;
    this.configPath = join(this.dir, "wanpilot.yaml");
    writeFileSync(this.configPath, stringify(object));
  }

  static async create(opts: {
    isps: number;
    name: string;
    mode?: "start" | "parts";
    deploy?: LabDeployOptions;
    /** Extra environment of wanpilot's processes (e.g. a PATH with command shims). */
    env?: Record<string, string>;
  }): Promise<Deployed> {
    const lab = await createLab({ isps: opts.isps, name: opts.name });
    const d = new Deployed(
      lab,
      opts.deploy?.gateway ?? "lab",
      opts.mode ?? "start",
      opts.deploy ?? {},
      opts.env,
    );
    try {
      if (d.mode === "start") d.spawn("supervisor", ["start"]);
      else d.spawn("broker", ["broker"]);
      await until("the broker to listen", () => d.logs.some((l) => l.msg === "broker listening"), 20_000);
      d.watch = new BusWatch(["ip", "netns", "exec", lab.ns.gw], PORT);
      if (d.mode === "parts") for (const name of d.partNames()) d.spawnPart(name);
    } catch (err: unknown) {
      await d.destroy();
      throw err;
    }
    return d;
  }

  /** The parts' names, as component ids (prober/isp1…, router, logger, observer): what `start` runs. */
  partNames(): string[] {
    return partComponents(this.config.links.map((l) => l.name)).map(componentId);
  }

  /** (Re)starts a part in "parts" mode. */
  spawnPart(name: string): LabProcess {
    const args = name.startsWith("prober/") ? ["prober", "--link", name.slice(7)] : [name];
    return this.spawn(name, args);
  }

  /** Runs `wanpilot <args> --config <ours>` in the gateway namespace under `name`. */
  spawn(name: string, args: string[]): LabProcess {
    const onLine = (line: string) => {
      if (!line.startsWith("{")) return void this.other.push(line);
      try {
        this.logs.push({ ...(JSON.parse(line) as Record<string, unknown>), atMs: Date.now() });
      } catch {
        this.other.push(line);
      }
    };
    const proc = this.lab.spawn(
      this.lab.ns.gw,
      [process.execPath, WANPILOT_BIN, ...args, "--config", this.configPath],
      { timeoutMs: 0, onLine, keepLines: 50, ...(this.env === undefined ? {} : { env: this.env }) },
    );
    this.procs.set(name, proc);
    return proc;
  }

  /** The watcher (mosquitto_sub) exits when its first connect fails: start another after a broker restart. */
  ensureWatch(): void {
    if (this.watch.sub.exit !== undefined)
      this.watch = new BusWatch(["ip", "netns", "exec", this.lab.ns.gw], PORT);
  }

  /** Mode "start": every child running (a live pid) in a state published after `sinceMs`, and every part online. */
  allBack(sinceMs: number, timeoutMs = 20_000): Promise<Map<string, number>> {
    const component = (name: string): Component =>
      name.startsWith("prober/") ? { kind: "prober", link: name.slice(7) } : ({ kind: name } as Component);
    return until(
      "every process back",
      () => {
        this.ensureWatch();
        const s = this.supervisorState();
        if (s === undefined || Date.parse(s.at) < sinceMs - 50) return undefined;
        const pids = new Map(s.processes.map((p) => [p.name, p.pid ?? -1]));
        for (const pid of pids.values()) if (pid > 0) this.childPids.add(pid);
        const ok =
          s.processes.length === this.partNames().length &&
          s.processes.every((p) => p.running && p.pid !== null && isPidAlive(p.pid)) &&
          this.partNames().every((n) => this.availability(component(n)) === "online");
        return ok ? pids : undefined;
      },
      timeoutMs,
    );
  }

  /** `wanpilot start` (mode "start"). */
  get supervisor(): LabProcess {
    const p = this.procs.get(this.mode === "start" ? "supervisor" : "broker");
    if (p === undefined) throw new Error("not started");
    return p;
  }

  /** Waits until the router's published state has every link of `live` up and active, the rest not. */
  routerSettled(live: Set<string>, timeoutMs = 30_000): Promise<true> {
    const topic = topics.routerState(this.gateway);
    return until(
      "the router's state to show the live links",
      () => {
        const raw = this.watch.last(topic);
        if (raw === undefined) return false;
        const s = RouterState.safeParse(JSON.parse(raw));
        return (
          s.success &&
          s.data.links.every((l) => (l.state === "up" && l.active) === live.has(l.link)) &&
          s.data.links.length === this.config.links.length
        );
      },
      timeoutMs,
    );
  }

  /** The last valid SupervisorState on the bus (fault tests publish invalid ones too). */
  supervisorState(): SupervisorState | undefined {
    const topic = topics.supervisorState(this.gateway);
    const msgs = this.watch.messages().filter((m) => m.topic === topic);
    for (let i = msgs.length - 1; i >= 0; i--) {
      try {
        const parsed = SupervisorState.safeParse(JSON.parse(msgs[i]?.payload ?? ""));
        if (parsed.success) return parsed.data;
      } catch {
        // not JSON: one of ours
      }
    }
    return undefined;
  }

  availability(c: Component): string | undefined {
    return this.watch.last(topics.availability(this.gateway, c));
  }

  /** An authorized bus client (the component's derived credentials) inside the gateway namespace. */
  async client(component: Component, clientId: string): Promise<BusClient> {
    const username = componentId(component);
    const password = deriveBusPassword(readBusSecret(this.config.runtime_dir), username);
    const c = new BusClient(this.lab, [`mqtt://127.0.0.1:${PORT}`, username, password, clientId]);
    this.clients.push(c.proc);
    await c.connected();
    return c;
  }

  async destroy(): Promise<void> {
    await Promise.allSettled(this.clients.map((c) => c.stop(500)));
    await this.watch?.close().catch(() => undefined);
    // SIGTERM first so the parts stop cleanly; then anything of ours still alive (a part orphaned by a
    // killed supervisor sits in its own process group and would hold the output pipes open).
    const stops = Promise.allSettled([...this.procs.values()].map((p) => p.stop(6000)));
    await Promise.race([stops, new Promise((r) => setTimeout(r, 8000))]);
    for (const pid of this.childPids) if (isPidAlive(pid)) process.kill(pid, "SIGKILL");
    await this.lab.destroy();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** One publishing client (lib/bus-client.mjs) and the outcome of each publish. */
export class BusClient {
  readonly proc: LabProcess;
  readonly done = new Set<number>();
  readonly failed = new Map<number, string>();
  connects = 0;
  private nextId = 1;

  constructor(lab: Lab, args: string[]) {
    this.proc = lab.spawn(lab.ns.gw, [process.execPath, BUS_CLIENT, ...args], {
      timeoutMs: 0,
      onLine: (line, stream) => {
        if (stream !== "stdout") return;
        const m = JSON.parse(line) as { done?: number; failed?: number; error?: string; connected?: boolean };
        if (m.done !== undefined) this.done.add(m.done);
        if (m.failed !== undefined) this.failed.set(m.failed, m.error ?? "");
        if (m.connected === true) this.connects++;
      },
    });
  }

  connected(): Promise<number> {
    return until("the fault client to connect", () => this.connects > 0 && this.connects, 15_000);
  }

  /** Queues one publish; returns its id. */
  publish(topic: string, payload: Buffer | string, opts: { qos?: 0 | 1; retain?: boolean } = {}): number {
    const id = this.nextId++;
    const base64 = typeof payload !== "string";
    const op = {
      id,
      topic,
      payload: base64 ? payload.toString("base64") : payload,
      base64,
      qos: opts.qos ?? 1,
      retain: opts.retain ?? false,
    };
    this.proc.stdin?.write(`${JSON.stringify(op)}\n`);
    return id;
  }

  /** Waits until every queued publish is acknowledged or failed. */
  settled(timeoutMs = 60_000): Promise<true> {
    return until(
      `${this.nextId - 1} publishes to settle`,
      () => this.done.size + this.failed.size >= this.nextId - 1,
      timeoutMs,
    );
  }
}
