import { HEALTH_INTERVAL_MS } from "@wanpilot/common";
import { type Backoff, backoffMs } from "@wanpilot/runtime";

/**
 * The supervisor's decisions about one child process, pure: time is a parameter and effects
 * (spawn after a delay, log) are returned as data for the supervisor to carry out.
 */
export interface RestartPolicy extends Backoff {
  /** Delay before the first restart after a stable run: short, so a crash costs well under a second. */
  firstDelayMs: number;
  /** Each further failure in a row doubles the delay, up to this cap. */
  maxDelayMs: number;
  /** A child that ran this long is stable: its next crash starts the backoff over. */
  stableAfterMs: number;
  /**
   * A child that heartbeats (a prober's LinkHealth) and stays silent this long is hung (stopped,
   * stuck): it is killed and then restarted like after a crash. Counted from its start too.
   */
  heartbeatTimeoutMs: number;
  /** Before its first heartbeat a child may take this long (node start-up on a loaded machine). */
  firstHeartbeatMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  firstDelayMs: 100,
  maxDelayMs: 30_000,
  stableAfterMs: 60_000,
  // Five health intervals: the router has taken the link out of the route (stale, at three) by then.
  heartbeatTimeoutMs: 5 * HEALTH_INTERVAL_MS,
  firstHeartbeatMs: 30_000,
};

export type ChildPhase = "starting" | "running" | "waiting" | "stopped";

export interface ChildState {
  phase: ChildPhase;
  pid: number | null;
  startedAtMs: number | null;
  /** Restarts since the supervisor started (reported in SupervisorState). */
  restarts: number;
  /** Crashes in a row without a stable run in between (drives the backoff). */
  failures: number;
  lastExit: { atMs: number; code: number | null; signal: string | null } | null;
  /** Its last heartbeat (or when it was last killed for silence); null: none since its start. */
  heartbeatMs: number | null;
}

export const INITIAL_CHILD: ChildState = {
  phase: "starting",
  pid: null,
  startedAtMs: null,
  restarts: 0,
  failures: 0,
  lastExit: null,
  heartbeatMs: null,
};

export type ChildEvent =
  | { type: "started"; atMs: number; pid: number }
  | { type: "exited"; atMs: number; code: number | null; signal: string | null }
  | { type: "stopping" }
  /** Sign of life of a child that heartbeats. */
  | { type: "heartbeat"; atMs: number }
  /** Time passes (only for children that heartbeat). */
  | { type: "tick"; atMs: number };

export type ChildEffect =
  | { type: "restart"; delayMs: number; failures: number }
  /** SIGKILL: a stopped process does not act on SIGTERM; its exit then restarts it. */
  | { type: "kill"; silentMs: number }
  | { type: "none" };

export interface Transition {
  state: ChildState;
  effect: ChildEffect;
}

function onExit(
  s: ChildState,
  e: Extract<ChildEvent, { type: "exited" }>,
  policy: RestartPolicy,
): Transition {
  const lastExit = { atMs: e.atMs, code: e.code, signal: e.signal };
  if (s.phase === "stopped") return { state: { ...s, pid: null, lastExit }, effect: { type: "none" } };
  const ranMs = s.startedAtMs === null ? 0 : e.atMs - s.startedAtMs;
  const failures = ranMs >= policy.stableAfterMs ? 1 : s.failures + 1;
  const delayMs = backoffMs(failures, policy);
  return {
    state: { ...s, phase: "waiting", pid: null, failures, lastExit, heartbeatMs: null },
    effect: { type: "restart", delayMs, failures },
  };
}

export function nextChildState(s: ChildState, e: ChildEvent, policy: RestartPolicy): Transition {
  switch (e.type) {
    case "started":
      return {
        state: {
          ...s,
          phase: "running",
          pid: e.pid,
          startedAtMs: e.atMs,
          heartbeatMs: null,
          restarts: s.lastExit === null ? s.restarts : s.restarts + 1,
        },
        effect: { type: "none" },
      };
    case "exited":
      return onExit(s, e, policy);
    case "stopping":
      return { state: { ...s, phase: "stopped" }, effect: { type: "none" } };
    case "heartbeat":
      return { state: s.phase === "running" ? { ...s, heartbeatMs: e.atMs } : s, effect: { type: "none" } };
    case "tick":
      return onTick(s, e.atMs, policy);
  }
}

function onTick(s: ChildState, atMs: number, policy: RestartPolicy): Transition {
  const since = s.heartbeatMs ?? s.startedAtMs ?? atMs;
  const limit = s.heartbeatMs === null ? policy.firstHeartbeatMs : policy.heartbeatTimeoutMs;
  const silentMs = atMs - since;
  if (s.phase !== "running" || silentMs <= limit) return { state: s, effect: { type: "none" } };
  // Counted again from the kill, so one silence is one kill however long the exit takes.
  return { state: { ...s, heartbeatMs: atMs }, effect: { type: "kill", silentMs } };
}
