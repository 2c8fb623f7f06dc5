import { describe, expect, it } from "vitest";
import {
  type ChildEvent,
  type ChildState,
  INITIAL_CHILD,
  nextChildState,
  type RestartPolicy,
} from "./restart-policy.js";

const policy: RestartPolicy = {
  firstDelayMs: 100,
  maxDelayMs: 1600,
  stableAfterMs: 10_000,
  heartbeatTimeoutMs: 5000,
  firstHeartbeatMs: 20_000,
};
const running = (over: Partial<ChildState> = {}): ChildState => ({
  ...INITIAL_CHILD,
  phase: "running",
  pid: 42,
  startedAtMs: 1000,
  heartbeatMs: 1000,
  ...over,
});

describe("nextChildState", () => {
  it.each<{
    name: string;
    start: ChildState;
    event: ChildEvent;
    expected: Partial<ChildState>;
    delayMs?: number;
    killSilentMs?: number;
  }>([
    {
      name: "first start is not counted as a restart",
      start: INITIAL_CHILD,
      event: { type: "started", atMs: 0, pid: 7 },
      expected: { phase: "running", pid: 7, restarts: 0, startedAtMs: 0 },
    },
    {
      name: "a crash soon after start restarts after the first delay",
      start: running(),
      event: { type: "exited", atMs: 1500, code: 1, signal: null },
      expected: { phase: "waiting", pid: null, failures: 1 },
      delayMs: 100,
    },
    {
      name: "a third crash in a row backs off to 4x",
      start: running({ failures: 2 }),
      event: { type: "exited", atMs: 1500, code: null, signal: "SIGKILL" },
      expected: { failures: 3, lastExit: { atMs: 1500, code: null, signal: "SIGKILL" } },
      delayMs: 400,
    },
    {
      name: "backoff is capped",
      start: running({ failures: 20 }),
      event: { type: "exited", atMs: 1500, code: 1, signal: null },
      expected: { failures: 21 },
      delayMs: 1600,
    },
    {
      name: "a crash after a stable run starts the backoff over",
      start: running({ failures: 6 }),
      event: { type: "exited", atMs: 11_000, code: 1, signal: null },
      expected: { failures: 1 },
      delayMs: 100,
    },
    {
      name: "a start after an exit counts a restart",
      start: { ...running({ restarts: 2 }), phase: "waiting", lastExit: { atMs: 5, code: 1, signal: null } },
      event: { type: "started", atMs: 2000, pid: 43 },
      expected: { phase: "running", pid: 43, restarts: 3, startedAtMs: 2000 },
    },
    {
      name: "stopping marks the child stopped",
      start: running(),
      event: { type: "stopping" },
      expected: { phase: "stopped", pid: 42 },
    },
    {
      name: "an exit while stopping is not restarted",
      start: running({ phase: "stopped" }),
      event: { type: "exited", atMs: 3000, code: 0, signal: null },
      expected: { phase: "stopped", pid: null, failures: 0 },
    },
    {
      name: "a heartbeat is remembered",
      start: running(),
      event: { type: "heartbeat", atMs: 4000 },
      expected: { heartbeatMs: 4000 },
    },
    {
      name: "silent up to the timeout: left alone",
      start: running({ heartbeatMs: 4000 }),
      event: { type: "tick", atMs: 9000 },
      expected: { heartbeatMs: 4000 },
    },
    {
      name: "silent past the timeout: killed, and the silence counted again from the kill",
      start: running({ heartbeatMs: 4000 }),
      event: { type: "tick", atMs: 9001 },
      expected: { heartbeatMs: 9001, phase: "running" },
      killSilentMs: 5001,
    },
    {
      name: "never heard since its start: a slow start-up is given the first-heartbeat bound",
      start: running({ startedAtMs: 1000, heartbeatMs: null }),
      event: { type: "tick", atMs: 21_000 },
      expected: { heartbeatMs: null },
    },
    {
      name: "never heard since its start, past the first-heartbeat bound: killed",
      start: running({ startedAtMs: 1000, heartbeatMs: null }),
      event: { type: "tick", atMs: 21_001 },
      expected: { heartbeatMs: 21_001 },
      killSilentMs: 20_001,
    },
    {
      name: "a child waiting for its restart is not killed",
      start: { ...running(), phase: "waiting", pid: null, heartbeatMs: null },
      event: { type: "tick", atMs: 60_000 },
      expected: { phase: "waiting" },
    },
    {
      name: "a child being stopped is not killed for silence",
      start: running({ phase: "stopped", heartbeatMs: 0 }),
      event: { type: "tick", atMs: 60_000 },
      expected: { phase: "stopped" },
    },
    {
      name: "a restart forgets the last heartbeat",
      start: { ...running(), phase: "waiting", pid: null, heartbeatMs: 9000 },
      event: { type: "started", atMs: 70_000, pid: 50 },
      expected: { heartbeatMs: null, startedAtMs: 70_000 },
    },
  ])("$name", ({ start, event, expected, delayMs, killSilentMs }) => {
    const { state, effect } = nextChildState(start, event, policy);
    expect(state).toMatchObject(expected);
    if (killSilentMs !== undefined) expect(effect).toEqual({ type: "kill", silentMs: killSilentMs });
    else if (delayMs === undefined) expect(effect).toEqual({ type: "none" });
    else expect(effect).toMatchObject({ type: "restart", delayMs });
  });
});
