import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { FAST_PROBE_PROFILE, validateConfig } from "@wanpilot/common";
import { createLab, type Lab } from "@wanpilot/lab";
import { MemoryBus, until } from "@wanpilot/testing";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../src/index.js";

// Measurements for docs/prober.md, not run by default: WANPILOT_MEASURE=1 npx vitest run packages/prober/test/measure.lab.test.ts
const MEASURE = process.env.WANPILOT_MEASURE === "1";
const TRIALS = Number(process.env.WANPILOT_TRIALS ?? 10);
const log = pino({ level: process.env.LOG_LEVEL ?? "silent" });
let lab: Lab;

const report = (what: string, values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const line = `MEASURED ${what}: n=${values.length} min=${Math.round(sorted[0] ?? 0)} mean=${Math.round(mean)} max=${Math.round(sorted.at(-1) ?? 0)} ms`;
  process.stdout.write(`${line}\n`);
  return sorted;
};

function config(probe: Record<string, unknown>) {
  const parsed = validateConfig({
    gateway: "gw1",
    links: [{ name: "isp1", interface: "wan1", probe: { targets: lab.targets, ...probe } }],
  });
  if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
  return parsed.config;
}

async function withProber<T>(probe: Record<string, unknown>, fn: (bus: MemoryBus) => Promise<T>): Promise<T> {
  const bus = new MemoryBus();
  const { stop } = await run({
    config: config(probe),
    link: "isp1",
    log,
    bus,
    commandPrefix: ["ip", "netns", "exec", lab.ns.gw],
  });
  try {
    return await fn(bus);
  } finally {
    await stop();
  }
}

const downAfter = (bus: MemoryBus, t0: number) =>
  bus.of("linkEvent").find((e) => e.payload.to === "down" && e.atMs >= t0);
const isUp = (bus: MemoryBus) => bus.of("linkState").at(-1)?.payload.state === "up";
const jitter = () => new Promise((r) => setTimeout(r, 200 + Math.random() * 400));

async function outageTrials(bus: MemoryBus, cause: "upstream" | "carrier"): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < TRIALS; i++) {
    await until("up", () => isUp(bus), 30_000);
    await jitter();
    const t0 = performance.now();
    if (cause === "upstream") await lab.cutUpstream(0);
    else await lab.carrierDown(0);
    const down = await until("down", () => downAfter(bus, t0), 10_000);
    times.push(down.atMs - t0);
    if (cause === "upstream") await lab.restoreUpstream(0);
    else await lab.carrierUp(0);
  }
  return times;
}

beforeAll(async () => {
  if (!MEASURE) return;
  lab = await createLab({ isps: 1, name: "measure", flowServer: false });
  // The DHCP client's default route (high metric): the WAN's loose reverse-path filter needs a route
  // back to the targets in main, or every reply is dropped.
  await lab.exec("gw", [
    "ip",
    "route",
    "replace",
    "default",
    "via",
    "198.18.1.1",
    "dev",
    "wan1",
    "metric",
    "1001",
  ]);
  await lab.exec("gw", [
    "ip",
    "route",
    "replace",
    "default",
    "via",
    "198.18.1.1",
    "dev",
    "wan1",
    "table",
    "101",
  ]);
  // The prober's pings carry the link's mark (the only link, slot 1, default mask); the router's rule for it.
  await lab.exec("gw", [
    "ip",
    "rule",
    "add",
    "fwmark",
    "0x1000000/0x7f000000",
    "lookup",
    "101",
    "pref",
    "1101",
  ]);
}, 120_000);

afterAll(async () => {
  await lab?.destroy();
});

describe.runIf(MEASURE)("prober measurements (lab)", () => {
  it("full outage behind a live modem → down, defaults", async () => {
    const t = await withProber({}, (bus) => outageTrials(bus, "upstream"));
    expect(report("upstream cut → down, defaults (200ms/150..700ms/down 3)", t).at(-1)).toBeLessThan(1000);
  }, 300_000);

  it("full outage → down, fast profile", async () => {
    const fast = { ...FAST_PROBE_PROFILE, up: 10 };
    const t = await withProber(fast, (bus) => outageTrials(bus, "upstream"));
    expect(report("upstream cut → down, fast (40ms/50..150ms/down 4)", t).at(-1)).toBeLessThan(300);
  }, 300_000);

  it("carrier loss → down", async () => {
    const t = await withProber({}, (bus) => outageTrials(bus, "carrier"));
    expect(report("carrier down → down (incl. the lab's ip command)", t).at(-1)).toBeLessThan(300);
  }, 300_000);

  it("CPU and memory of one prober process, 3 targets, defaults, 60 s", async () => {
    const script = fileURLToPath(new URL("./fixtures/standalone.mjs", import.meta.url));
    const proc = lab.spawn("gw", [
      "node",
      script,
      JSON.stringify({
        gateway: "gw1",
        links: [{ name: "isp1", interface: "wan1", probe: { targets: lab.targets } }],
      }),
      "isp1",
    ]);
    await proc.waitForLine((l) => l === "started", 10_000);
    const pid = proc.pid ?? 0;
    expect(pid).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 5000));
    const tree = () => [pid, ...children(pid)];
    const ticks0 = tree().reduce((a, pid) => a + cpuTicks(pid), 0);
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, Number(process.env.WANPILOT_CPU_SECONDS ?? 60) * 1000));
    const pids = tree();
    const ticks = pids.reduce((a, pid) => a + cpuTicks(pid), 0) - ticks0;
    const seconds = (performance.now() - t0) / 1000;
    const nodeCpu = cpuTicks(pid);
    const rssMb = rssKb(pid) / 1024;
    const pingRssMb = children(pid).reduce((a, pid) => a + rssKb(pid), 0) / 1024;
    const cpuPct = (ticks / 100 / seconds) * 100;
    const pssMb = pids.reduce((a, pid) => a + pssKb(pid), 0) / 1024;
    process.stdout.write(
      `MEASURED prober process + ${pids.length - 1} children (3 ping, ip monitor) over ${seconds.toFixed(0)} s: CPU ${cpuPct.toFixed(2)}% of one core (node total ticks ${nodeCpu}), RSS node ${rssMb.toFixed(1)} MB + children ${pingRssMb.toFixed(1)} MB, PSS total ${pssMb.toFixed(1)} MB\n`,
    );
    await proc.stop();
    // 200 ms probes: 1.5 × the probes of the former 300 ms default.
    expect(cpuPct).toBeLessThan(1.5);
    expect(rssMb + pingRssMb).toBeLessThan(80);
  }, 180_000);
});

/** utime + stime of a process and of its exited children (the `ip` reads), in clock ticks (USER_HZ = 100). */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
}

/** Proportional set size: shared pages (libc, the node binary) split among the processes using them. */
function pssKb(pid: number): number {
  const m = /Pss:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"));
  return Number(m?.[1] ?? 0);
}

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m?.[1] ?? 0);
}

function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}
