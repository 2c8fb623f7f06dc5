import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Component, componentId, SupervisorState, topics } from "@wanpilot/common";
import { createLab, type Lab, type LabProcess } from "@wanpilot/lab";
import { deriveBusPassword, readBusSecret } from "@wanpilot/runtime";
import { LabDeployment, type LabDeployOptions } from "wanpilot/labrun";
import { BusWatch } from "../../helpers/watch.js";

/** A pino line printed by wanpilot start or one of its children. */
export type LogLine = Record<string, unknown> & { atMs: number; msg?: string; component?: string };

/** Whether a service package is built in this checkout (the prober, router and logger land over time). */
export function built(pkg: "prober" | "router" | "logger"): boolean {
  return existsSync(fileURLToPath(new URL(`../../../packages/${pkg}/dist/index.js`, import.meta.url)));
}

const BUS_CLIENT = fileURLToPath(new URL("./bus-client.mjs", import.meta.url));
export const PORT = 1883; // the lab's gateway namespace has its own ports

/** Probing fast enough that a fault test sees many transitions in little time. */
export const FAST_PROBE = { interval: "100ms", timeout: "300ms", down: 2, up: 2 };

export async function until<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  timeoutMs = 15_000,
  everyMs = 50,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

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

/** A running `wanpilot start` in a fresh lab, its log lines and an anonymous watcher of the bus. */
export class Deployed {
  readonly logs: LogLine[] = [];
  readonly other: string[] = [];
  watch!: BusWatch;
  dep!: LabDeployment;
  private clients: LabProcess[] = [];

  private constructor(
    readonly lab: Lab,
    readonly gateway: string,
  ) {}

  static async create(opts: { isps: number; name: string; deploy?: LabDeployOptions }): Promise<Deployed> {
    const lab = await createLab({ isps: opts.isps, name: opts.name });
    const d = new Deployed(lab, opts.deploy?.gateway ?? "lab");
    try {
      d.start(opts.deploy ?? {});
      await until(() => d.logs.some((l) => l.msg === "broker listening"), "the broker to listen", 20_000);
      d.watch = new BusWatch(["ip", "netns", "exec", lab.ns.gw], PORT);
    } catch (err: unknown) {
      await d.destroy();
      throw err;
    }
    return d;
  }

  /** Starts (or restarts) `wanpilot start` with the same files. */
  start(opts: LabDeployOptions = {}): void {
    const onLine = (line: string) => {
      if (!line.startsWith("{")) return void this.other.push(line);
      try {
        this.logs.push({ ...(JSON.parse(line) as Record<string, unknown>), atMs: Date.now() });
      } catch {
        this.other.push(line);
      }
    };
    this.dep = LabDeployment.start(this.lab, { probe: FAST_PROBE, port: PORT, ...opts, onLine });
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
    const password = deriveBusPassword(readBusSecret(this.dep.config.runtime_dir), username);
    const c = new BusClient(this.lab, [`mqtt://127.0.0.1:${PORT}`, username, password, clientId]);
    this.clients.push(c.proc);
    await c.connected();
    return c;
  }

  async destroy(): Promise<void> {
    await Promise.allSettled(this.clients.map((c) => c.stop(500)));
    await this.watch?.close().catch(() => undefined);
    await this.dep?.stop().catch(() => undefined);
    await this.lab.destroy();
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
    return until(() => this.connects > 0 && this.connects, "the fault client to connect", 15_000);
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
      () => this.done.size + this.failed.size >= this.nextId - 1,
      `${this.nextId - 1} publishes to settle`,
      timeoutMs,
    );
  }
}
