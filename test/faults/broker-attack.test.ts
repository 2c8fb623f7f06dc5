import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WANPILOT_BIN } from "wanpilot/labrun";
import { Deployed, PORT, until } from "./lib/harness.js";
import { routingProblems } from "./lib/kernel-check.js";
import { note, pick } from "./lib/profile.js";

// 100 hostile clients against the embedded broker of a real `wanpilot start` (lib/hostile-clients.mjs:
// oversized packets, sockets that never log in, persistent sessions subscribed to # that vanish).
// The broker lives in the supervisor's process: its memory must stay bounded, and a link failing in the
// middle of the attack must be failed over as fast as without it.
const HOSTILE = fileURLToPath(new URL("./lib/hostile-clients.mjs", import.meta.url));
const CLIENTS = 100;
const ATTACK_MS = pick(15_000, 60_000);
// The target (50 MiB) holds the full profile, run alone. The short one runs inside \`npm test\`, in
// parallel with other suites, where the supervisor's RSS peak varies far more (31 and 56 MiB seen in two
// runs of the same commit): there the bound only catches unbounded growth (200 MiB in 2 s before the limits).
const MAX_GROWTH_MIB = pick(100, 50);
/** The fault suite's convergence goal for a failover (probing every 100 ms, down after 2 bad rounds). */
const FAILOVER_BOUND_MS = 3000;

let d: Deployed;

function shebangFlags(): string {
  const first = readFileSync(WANPILOT_BIN, "utf8").split("\n")[0] ?? "";
  return /^#!\/usr\/bin\/env -S node (.*)$/.exec(first)?.[1] ?? "";
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m?.[1] ?? Number.NaN) / 1024;
}

/** Cuts a link's upstream and returns the time until the routing carries only the live links. */
async function failover(isp: string, live: Set<string>): Promise<number> {
  const t0 = Date.now();
  await d.lab.cutUpstream(isp);
  live.delete(isp);
  let last: string[] = [];
  await until(
    `routing without ${isp}`,
    async () => {
      last = await routingProblems(d.lab, d.config, live);
      return last.length === 0;
    },
    30_000,
    20,
  ).catch(() => {
    throw new Error(`routing wrong: ${last.join("; ")}`);
  });
  return Date.now() - t0;
}

async function restore(isp: string, live: Set<string>): Promise<void> {
  await d.lab.restoreUpstream(isp);
  live.add(isp);
  await d.routerSettled(live);
}

beforeAll(async () => {
  // Run the way the installed command runs: with the node flags of its #! line.
  d = await Deployed.create({
    isps: 3,
    name: "fatk",
    mode: "start",
    env: { ...(process.env as Record<string, string>), NODE_OPTIONS: shebangFlags() },
  });
  await d.allBack(0, 30_000);
});

afterAll(async () => {
  await d?.destroy();
});

describe(`${CLIENTS} hostile bus clients for ${ATTACK_MS / 1000} s`, () => {
  it(`the broker's memory grows < ${MAX_GROWTH_MIB} MiB and a failover during the attack takes < ${FAILOVER_BOUND_MS} ms`, async () => {
    const live = new Set(d.lab.isps.map((i) => i.name));
    const [first, second] = d.lab.isps.map((i) => i.name);
    if (first === undefined || second === undefined) throw new Error("two links needed");
    await d.routerSettled(live);
    const quietMs = await failover(first, live);
    await restore(first, live);

    const pid = d.supervisor.pid ?? -1;
    const before = rssMiB(pid);
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssMiB(pid));
    }, 200);
    const lines: string[] = [];
    const attacker = d.lab.spawn(
      d.lab.ns.gw,
      [process.execPath, HOSTILE, String(PORT), String(CLIENTS), String(ATTACK_MS)],
      {
        timeoutMs: ATTACK_MS + 30_000,
        onLine: (line) => lines.push(line),
      },
    );
    let attackMs: number;
    try {
      await new Promise((r) => setTimeout(r, ATTACK_MS / 2));
      attackMs = await failover(second, live);
      await attacker.exited;
    } finally {
      clearInterval(sampler);
      await attacker.stop(1000);
    }
    const after = rssMiB(pid);
    const stats = lines.find((l) => l.startsWith("{")) ?? "(no stats)";
    // Refusals are logged once per 10 s window, the rest counted in a "(more of the same)" line.
    const warned = (msg: string) =>
      d.logs.filter((l) => l.msg === msg).length +
      d.logs
        .filter((l) => l.msg === `${msg} (more of the same)`)
        .reduce((n, l) => n + Number(l.count ?? 0), 0);
    note(
      "broker-attack",
      `${CLIENTS} clients, ${ATTACK_MS} ms: ${stats}; supervisor RSS ${before.toFixed(1)} → peak ${peak.toFixed(1)} → ${after.toFixed(1)} MiB (growth ${(peak - before).toFixed(1)} MiB); failover ${quietMs} ms quiet, ${attackMs} ms under attack; broker log: ${warned("connection dropped: bad or oversized packet")} bad or oversized, ${warned("connection dropped before login")} no login, ${warned("offline session expired")} sessions expired`,
    );
    expect(d.supervisor.running).toBe(true);
    expect(peak - before).toBeLessThan(MAX_GROWTH_MIB);
    expect(attackMs).toBeLessThan(FAILOVER_BOUND_MS);
    // The attack was real: the broker refused each kind.
    expect(warned("connection dropped: bad or oversized packet")).toBeGreaterThan(0);
    expect(warned("offline session expired")).toBeGreaterThan(0);
    await restore(second, live);
    // No part lost its session to the flood.
    const state = d.supervisorState();
    expect(state?.processes.every((p) => p.running && p.restarts === 0)).toBe(true);
  });
});
