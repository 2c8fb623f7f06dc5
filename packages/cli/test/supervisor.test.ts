import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SupervisorState } from "@wanpilot/common";
import { silentLog as log, until } from "@wanpilot/testing";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { Supervisor } from "../src/supervisor/supervisor.js";

const FIXTURE = new URL("fixtures/child.mjs", import.meta.url).pathname;
let running: Supervisor | undefined;
const readyDir = mkdtempSync(join(tmpdir(), "wanpilot-sup-"));
process.env.FIXTURE_READY_DIR = readyDir;

function supervise(modes: string[], graceMs = 3000, heartbeat = false) {
  const states: SupervisorState[] = [];
  const sup = new Supervisor({
    specs: modes.map((m, i) => ({ name: `${m}-${i}`, args: [m], heartbeat })),
    binPath: FIXTURE,
    configPath: "/nonexistent.yaml",
    log,
    policy: {
      firstDelayMs: 50,
      maxDelayMs: 400,
      stableAfterMs: 60_000,
      heartbeatTimeoutMs: 1500,
      firstHeartbeatMs: 1500,
    },
    graceMs,
    onChange: (s) => states.push(s),
  });
  running = sup;
  sup.start();
  return { sup, states };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

afterEach(async () => {
  await running?.stop();
  running = undefined;
});

afterAll(() => {
  rmSync(readyDir, { recursive: true, force: true });
  delete process.env.FIXTURE_READY_DIR;
});

describe("Supervisor with real child processes", () => {
  it("restarts a crashing child with growing delays and reports each exit", async () => {
    const { sup, states } = supervise(["crash"]);
    const view = await until("4 restarts", () => {
      const p = sup.snapshot().processes[0];
      return p !== undefined && p.restarts >= 4 ? p : undefined;
    });
    expect(view.lastExit).toMatchObject({ code: 3, signal: null });
    // The wait between an exit and the next start is the backoff: 50, 100, 200, 400 ms (capped).
    const delays = states
      .map((s) => s.processes[0])
      .filter((p) => p?.running && p.lastExit !== null)
      .map((p) => Date.parse(p?.startedAt ?? "") - Date.parse(p?.lastExit?.at ?? ""));
    expect(delays.length).toBeGreaterThanOrEqual(4);
    [50, 100, 200, 400].forEach((ms, i) => {
      expect(delays[i]).toBeGreaterThanOrEqual(ms - 5);
      expect(delays[i]).toBeLessThan(ms + 1000); // generous: a loaded machine delays timers
    });
  });

  it("restarts a child killed with SIGKILL", async () => {
    const { sup } = supervise(["run"]);
    const first = await until("first pid", () => sup.snapshot().processes[0]?.pid ?? undefined);
    process.kill(first, "SIGKILL");
    const again = await until("a new process", () => {
      const p = sup.snapshot().processes[0];
      return p?.running && p.pid !== first ? p : undefined;
    });
    expect(again).toMatchObject({ restarts: 1, lastExit: { signal: "SIGKILL", code: null } });
  });

  it("kills a stopped child that stopped heartbeating and starts it again; a heartbeating one is left", async () => {
    const { sup } = supervise(["run", "run"], 3000, true);
    const pids = await until("both running", () => {
      const ps = sup.snapshot().processes.map((p) => p.pid);
      return ps.every((p) => p !== null) ? (ps as number[]) : undefined;
    });
    const [stopped, beating] = pids as [number, number];
    // Like a SIGSTOPped prober: it cannot act on SIGTERM, and its heartbeats stop.
    process.kill(stopped, "SIGSTOP");
    const beats = setInterval(() => sup.heartbeat("run-1"), 300);
    try {
      const again = await until("the silent child restarted", () => {
        const p = sup.snapshot().processes[0];
        return p?.running && p.pid !== stopped ? p : undefined;
      });
      expect(again).toMatchObject({ restarts: 1, lastExit: { signal: "SIGKILL" } });
      expect(alive(stopped)).toBe(false);
      expect(sup.snapshot().processes[1]).toMatchObject({ pid: beating, restarts: 0, running: true });
    } finally {
      clearInterval(beats);
    }
  });

  it("stops children with SIGTERM, SIGKILLs one that ignores it after the grace period, restarts none", async () => {
    const { sup } = supervise(["run", "stubborn"], 500);
    const pids = await until("both running", () => {
      const ps = sup.snapshot().processes.map((p) => p.pid);
      return ps.every((p) => p !== null) ? (ps as number[]) : undefined;
    });
    // Both have their SIGTERM handlers in place (else the stubborn one would simply die of SIGTERM).
    await until("both ready", () => pids.every((pid) => existsSync(join(readyDir, String(pid)))));
    const t0 = Date.now();
    await sup.stop();
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(pids.filter(alive)).toEqual([]);
    const after = sup.snapshot().processes;
    expect(after.map((p) => p.lastExit?.signal ?? p.lastExit?.code)).toEqual([0, "SIGKILL"]);
    expect(after.every((p) => !p.running && p.restarts === 0)).toBe(true);
  });
});
