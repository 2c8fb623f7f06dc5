import { type ChildProcess, spawn } from "node:child_process";
import { getPriority, setPriority } from "node:os";
import type { SupervisorState } from "@wanpilot/common";
import type { Logger } from "@wanpilot/runtime";
import {
  type ChildEvent,
  type ChildState,
  DEFAULT_RESTART_POLICY,
  INITIAL_CHILD,
  nextChildState,
  type RestartPolicy,
} from "../core/restart-policy.js";
import { SUPERVISED_ENV } from "../signals.js";
import type { ChildSpec } from "./children.js";

/**
 * The parts are small long-running daemons (the probers run one per link), so V8's defaults for throughput
 * are traded for memory: a 1 MiB young generation, an old generation capped at 96 MiB (a leak ends in a
 * restart, not a swapping gateway), one background worker thread instead of one per core, and lite mode
 * (bytecode only: no compiler's code or feedback, ~3.5 MiB less per part, no CPU cost measurable at the
 * parts' load). Lite mode has no WebAssembly, which no part uses: turned off first, V8 warns otherwise.
 * docs/bench.md, cost.
 */
export const CHILD_NODE_FLAGS = [
  "--max-semi-space-size=1",
  "--max-old-space-size=96",
  "--v8-pool-size=1",
  "--no-expose-wasm",
  "--lite-mode",
];

/**
 * What `wanpilot start` itself runs with, as the `wanpilot` command's #! line passes it: a small young
 * generation (the embedded broker relays every message; V8's default lets new space grow to 16 MiB and
 * more). For whoever starts it with `node` directly: the systemd unit, the lab deployment.
 */
export const SUPERVISOR_NODE_FLAGS = ["--max-semi-space-size=1"];

/**
 * What the parts' environment adds (the units and the image set it too; a value in the supervisor's own
 * environment wins): one malloc arena. glibc gives each thread that allocates an arena of its own, which
 * keeps its own free pages; a part's few threads allocate little (~0.5 MiB less RSS per prober, measured).
 */
export const CHILD_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: "1" };

export interface SupervisorOptions {
  specs: ChildSpec[];
  /** The `wanpilot` bin the children run (with process.execPath). */
  binPath: string;
  configPath: string;
  log: Logger;
  policy?: RestartPolicy;
  /** SIGTERM → SIGKILL after this long (stop must finish well within 5 s). */
  graceMs?: number;
  /** Called whenever a child starts or exits, to publish SupervisorState. */
  onChange?: (state: SupervisorState) => void;
}

interface Entry {
  spec: ChildSpec;
  state: ChildState;
  proc: ChildProcess | null;
  timer: NodeJS.Timeout | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Keeps the children running: restart with backoff (decided by the pure core), stop them all on request. */
export class Supervisor {
  private entries: Entry[];
  private readonly policy: RestartPolicy;
  private watchdog: NodeJS.Timeout | null = null;

  constructor(private readonly opts: SupervisorOptions) {
    this.entries = opts.specs.map((spec) => ({ spec, state: INITIAL_CHILD, proc: null, timer: null }));
    this.policy = opts.policy ?? DEFAULT_RESTART_POLICY;
  }

  start(): void {
    for (const e of this.entries) this.spawn(e);
    // A stopped or stuck child sends nothing: silence is found by looking, not by an event.
    if (this.entries.some((e) => e.spec.heartbeat === true))
      this.watchdog = setInterval(() => this.tick(), Math.min(1000, this.policy.heartbeatTimeoutMs / 4));
  }

  /** A sign of life of the child of this name (a prober's LinkHealth). */
  heartbeat(name: string): void {
    const e = this.entries.find((x) => x.spec.name === name && x.spec.heartbeat === true);
    if (e !== undefined)
      e.state = nextChildState(e.state, { type: "heartbeat", atMs: Date.now() }, this.policy).state;
  }

  private tick(): void {
    for (const e of this.entries)
      if (e.spec.heartbeat === true) this.apply(e, { type: "tick", atMs: Date.now() });
  }

  /** A new child (a link added by a reload), started at once. */
  add(spec: ChildSpec): void {
    if (this.entries.some((e) => e.spec.name === spec.name)) return;
    const e: Entry = { spec, state: INITIAL_CHILD, proc: null, timer: null };
    this.entries.push(e);
    this.spawn(e);
  }

  /** Stops one child for good (a link removed by a reload); resolves once it is gone. */
  async remove(name: string): Promise<void> {
    const e = this.entries.find((x) => x.spec.name === name);
    if (e === undefined) return;
    if (e.timer !== null) clearTimeout(e.timer);
    e.timer = null;
    e.state = nextChildState(e.state, { type: "stopping" }, this.policy).state;
    const proc = e.proc;
    if (proc !== null) {
      const gone = new Promise<void>((r) =>
        proc.exitCode !== null || proc.signalCode !== null ? r() : proc.once("exit", () => r()),
      );
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), this.opts.graceMs ?? 3000);
      await gone;
      clearTimeout(timer);
    }
    this.entries = this.entries.filter((x) => x !== e);
    this.opts.onChange?.(this.snapshot());
  }

  /** Sends `signal` to every running child (SIGHUP: each part reloads its config). */
  signalAll(signal: NodeJS.Signals): void {
    for (const e of this.entries) e.proc?.kill(signal);
  }

  snapshot(): SupervisorState {
    return {
      at: new Date().toISOString(),
      processes: this.entries.map(({ spec, state }) => ({
        name: spec.name,
        pid: state.pid,
        running: state.phase === "running",
        restarts: state.restarts,
        startedAt: iso(state.startedAtMs),
        lastExit:
          state.lastExit === null
            ? null
            : {
                at: iso(state.lastExit.atMs) ?? "",
                code: state.lastExit.code,
                signal: state.lastExit.signal,
              },
      })),
    };
  }

  private apply(e: Entry, event: ChildEvent): void {
    const { state, effect } = nextChildState(e.state, event, this.policy);
    e.state = state;
    if (effect.type === "kill") {
      this.opts.log.warn(
        { child: e.spec.name, childPid: state.pid, silentMs: effect.silentMs },
        "child silent, killing",
      );
      e.proc?.kill("SIGKILL");
      return;
    }
    if (effect.type === "none" && (event.type === "tick" || event.type === "heartbeat")) return;
    if (effect.type === "restart") {
      this.opts.log.warn(
        { child: e.spec.name, ...state.lastExit, delayMs: effect.delayMs, failures: effect.failures },
        "child exited, restarting",
      );
      e.timer = setTimeout(() => {
        e.timer = null;
        this.spawn(e);
      }, effect.delayMs);
    }
    this.opts.onChange?.(this.snapshot());
  }

  private spawn(e: Entry): void {
    const { binPath, configPath, log } = this.opts;
    const proc = spawn(
      process.execPath,
      [...CHILD_NODE_FLAGS, binPath, ...e.spec.args, "--config", configPath],
      {
        // The IPC channel lets a child notice when the supervisor is gone (see signals.ts).
        stdio: ["ignore", "inherit", "inherit", "ipc"],
        // Its own process group: a terminal's Ctrl-C reaches only the supervisor, which stops the
        // children itself (otherwise a child could exit first and be restarted during shutdown).
        detached: true,
        env: { ...CHILD_ENV, ...process.env, WANPILOT_CONFIG: configPath, [SUPERVISED_ENV]: "1" },
      },
    );
    e.proc = proc;
    proc.once("exit", (code, signal) => {
      e.proc = null;
      this.apply(e, { type: "exited", atMs: Date.now(), code, signal });
    });
    proc.once("error", (err) => log.error({ err, child: e.spec.name }, "cannot spawn child"));
    if (proc.pid !== undefined) {
      if (e.spec.nice !== undefined) {
        try {
          setPriority(proc.pid, Math.min(19, getPriority() + e.spec.nice));
        } catch (err: unknown) {
          log.warn({ err, child: e.spec.name, nice: e.spec.nice }, "cannot lower the child's priority");
        }
      }
      log.info({ child: e.spec.name, pid: proc.pid }, "child started");
      this.apply(e, { type: "started", atMs: Date.now(), pid: proc.pid });
    }
  }

  /** SIGTERM every child, SIGKILL what is left after the grace period; resolves when all are gone. */
  async stop(): Promise<void> {
    const graceMs = this.opts.graceMs ?? 3000;
    if (this.watchdog !== null) clearInterval(this.watchdog);
    for (const e of this.entries) {
      if (e.timer !== null) clearTimeout(e.timer);
      e.timer = null;
      e.state = nextChildState(e.state, { type: "stopping" }, this.policy).state;
      e.proc?.kill("SIGTERM");
    }
    const alive = () => this.entries.filter((e) => e.proc !== null);
    if (!(await this.waitGone(graceMs))) {
      for (const e of alive()) {
        this.opts.log.warn({ child: e.spec.name, graceMs }, "child ignored SIGTERM, killing");
        e.proc?.kill("SIGKILL");
      }
      await this.waitGone(1000);
    }
    this.opts.onChange?.(this.snapshot());
  }

  private async waitGone(timeoutMs: number): Promise<boolean> {
    const procs = this.entries.flatMap((e) => (e.proc === null ? [] : [e.proc]));
    const exits = procs.map(
      (p) =>
        new Promise<void>((r) =>
          p.exitCode !== null || p.signalCode !== null ? r() : p.once("exit", () => r()),
        ),
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((r) => {
      timer = setTimeout(() => r(false), timeoutMs);
    });
    const result = await Promise.race([Promise.all(exits).then(() => true as const), timeout]);
    clearTimeout(timer);
    return result;
  }
}
