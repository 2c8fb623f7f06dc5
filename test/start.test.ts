import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Component, componentId, SupervisorState, topics } from "@wanpilot/common";
import { createLab, type Lab } from "@wanpilot/lab";
import { until } from "@wanpilot/testing";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleName } from "../packages/cli/src/bundles.js";
import { isAlive, Spawned } from "./helpers/process.js";
import { BusWatch } from "./helpers/watch.js";

// `wanpilot start` end to end, inside a lab's gateway namespace, against the real kernel: the
// embedded broker, one prober per link, the router and the logger as real processes.
const BIN = new URL("../packages/cli/bin/wanpilot.js", import.meta.url).pathname;
const GW = "e2e";
const PORT = 18830; // the lab's gateway namespace has its own ports

let lab: Lab;
let dir: string;
let start: Spawned;
let watch: BusWatch;
let components: Component[];
const inGw = () => ["ip", "netns", "exec", lab.ns.gw];
const availability = (c: Component) => topics.availability(GW, c);
const note = (line: string) => process.stderr.write(`[start.test] ${line}\n`);

function writeConfig(port = PORT, file = "wanpilot.yaml"): string {
  const links = lab.isps.map(
    (isp, i) => `  - name: ${isp.name}
    interface: ${isp.wanInterface}
    gateway: ${isp.modemAddress}
    source: ${isp.gwAddress}
    weight: ${i + 1}
    probe:
      targets: [${lab.targets.join(", ")}]
      interval: 200ms
      timeout: 500ms
      up: 2
`,
  );
  const path = join(dir, file);
  writeFileSync(
    path,
    `gateway: ${GW}
links:
${links.join("")}bus:
  listen: 127.0.0.1:${port}
runtime_dir: ${join(dir, "run")}
logger:
  database: ${join(dir, "wanpilot.db")}
log_level: debug
`,
  );
  return path;
}

function supervisorState(): SupervisorState | undefined {
  const raw = watch.last(topics.supervisorState(GW));
  return raw === undefined ? undefined : SupervisorState.parse(JSON.parse(raw));
}

beforeAll(async () => {
  lab = await createLab({ isps: 2, name: "clistart" });
  dir = mkdtempSync(join(tmpdir(), "wanpilot-start-"));
  const config = writeConfig();
  components = [
    ...lab.isps.map((i): Component => ({ kind: "prober", link: i.name })),
    { kind: "router" },
    { kind: "logger" },
    { kind: "observer" },
    { kind: "web" },
    { kind: "supervisor" },
  ];
  start = new Spawned([...inGw(), process.execPath, BIN, "start", "--config", config]);
  await until(
    "the broker to listen",
    () => start.json().some((l) => l.msg === "broker listening") || start.exit,
    15_000,
  );
  expect(start.exit, start.text()).toBeUndefined();
  watch = new BusWatch(inGw(), PORT);
});

afterAll(async () => {
  await start?.stop("SIGKILL");
  await watch?.close();
  await lab?.destroy();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe(`wanpilot start in a lab gateway`, () => {
  it("brings up every process, and an anonymous subscriber sees each one online", async () => {
    const t0 = Date.now();
    await until(
      `every availability online (${components.map(componentId).join(", ")})`,
      () => components.every((c) => watch.last(availability(c)) === "online"),
      30_000,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}\nseen:\n${watch.sub.text()}\nstart:\n${start.text().slice(-4000)}`);
    });
    note(`all ${components.length} availabilities online ${Date.now() - t0} ms after the broker listened`);
    const state = await until(
      "supervisor state with every child running",
      () => {
        const s = supervisorState();
        return s?.processes.every((p) => p.running) ? s : undefined;
      },
      15_000,
    );
    expect(state.processes.map((p) => p.name).sort()).toEqual(
      components
        .filter((c) => c.kind !== "supervisor")
        .map(componentId)
        .sort(),
    );
  });

  it("refuses an anonymous publish to a wanpilot topic", async () => {
    const forged = `forged-${process.pid}`;
    const pub = await execa(
      "ip",
      ["netns", "exec", lab.ns.gw, "mosquitto_pub", "-h", "127.0.0.1", "-p", String(PORT)].concat([
        "-t",
        availability({ kind: "router" }),
        "-m",
        forged,
        "-q",
        "1",
        "-r",
      ]),
      { reject: false, timeout: 10_000 },
    );
    note(`anonymous mosquitto_pub exit code ${String(pub.exitCode)}: ${pub.stderr.trim()}`);
    // A later subscriber would get the retained value: it must still be the router's own.
    const late = new BusWatch(inGw(), PORT);
    try {
      await until(
        "the retained router availability",
        () => late.last(availability({ kind: "router" })),
        15_000,
      );
      expect(late.last(availability({ kind: "router" }))).toBe("online");
    } finally {
      await late.close();
    }
    expect(watch.messages().filter((m) => m.payload === forged)).toEqual([]);
    expect(start.json().some((l) => l.msg === "publish refused")).toBe(true);
  });

  it("runs every part from its bundle, the background ones 10 nicer than the supervisor", () => {
    const own = (pid: number) => {
      // /proc/<pid>/stat: field 19 is the nice value (counted after the command's closing parenthesis).
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
    };
    const supervisorNice = own(start.proc.pid ?? 0);
    const parts = supervisorState()?.processes ?? [];
    expect(parts.map((p) => p.name).sort()).toEqual(
      components
        .filter((c) => c.kind !== "supervisor")
        .map(componentId)
        .sort(),
    );
    for (const p of parts) {
      const pid = p.pid ?? 0;
      const background = ["logger", "observer", "web"].includes(p.name);
      expect(own(pid), p.name).toBe(Math.min(19, supervisorNice + (background ? 10 : 0)));
      // Its argv is one the launcher runs from the part's bundle (test/bundles.test.ts: chosen and run).
      const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      const args = argv.slice(argv.findIndex((a) => a.endsWith("/bin/wanpilot.js")) + 1, -1);
      expect(bundleName(args), p.name).toBe(p.name.split("/")[0]);
    }
  });

  it("restarts a prober killed with SIGKILL", async () => {
    const link = lab.isps[0]?.name ?? "";
    const name = `prober/${link}`;
    const before = supervisorState()?.processes.find((p) => p.name === name);
    expect(before?.pid).toBeTypeOf("number");
    const oldPid = before?.pid ?? 0;
    const killedAt = Date.now();
    process.kill(oldPid, "SIGKILL");
    const avail = availability({ kind: "prober", link });
    const restarted = await until(
      "a new prober process",
      () => {
        const p = supervisorState()?.processes.find((q) => q.name === name);
        return p?.running && p.pid !== oldPid ? p : undefined;
      },
      20_000,
    );
    const respawnMs = Date.now() - killedAt;
    await until(
      "the killed prober's last will",
      () => watch.messages().some((m) => m.topic === avail && m.atMs > killedAt && m.payload === "offline"),
      15_000,
    );
    await until(
      "the restarted prober online",
      () => watch.messages().some((m) => m.topic === avail && m.atMs > killedAt && m.payload === "online"),
      20_000,
    );
    const onlineMs =
      (watch.messages().find((m) => m.topic === avail && m.atMs > killedAt && m.payload === "online")?.atMs ??
        0) - killedAt;
    note(`kill -9 ${name}: new process seen after ${respawnMs} ms, online again after ${onlineMs} ms`);
    expect(restarted.restarts).toBe(1);
    expect(restarted.lastExit?.signal).toBe("SIGKILL");
    expect(start.json().some((l) => l.msg === "child exited, restarting" && l.child === name)).toBe(true);
  });

  it("takes SIGHUP as a reload: the unchanged config reloaded, every part kept running", async () => {
    const pids = (supervisorState()?.processes ?? []).flatMap((p) => (p.pid === null ? [] : [p.pid]));
    const sentAt = Date.now();
    start.proc.kill("SIGHUP");
    await until(
      "the reload's log line",
      () => start.json().some((l) => l.msg === "config reloaded" && l.summary === "no change") || start.exit,
      15_000,
    );
    // A moment for a late death to show (the default action is immediate, so this is generous).
    await new Promise((r) => setTimeout(r, 500));
    expect(start.exit, start.text().slice(-2000)).toBeUndefined();
    expect(pids.filter(isAlive)).toEqual(pids);
    expect(watch.messages().filter((m) => m.atMs >= sentAt && m.payload === "offline")).toEqual([]);
  });

  it("stops everything on SIGTERM within 5 s, every availability offline, no process left", async () => {
    const pids = (supervisorState()?.processes ?? []).flatMap((p) => (p.pid === null ? [] : [p.pid]));
    expect(pids.length).toBe(components.length - 1);
    const t0 = Date.now();
    start.proc.kill("SIGTERM");
    await until("wanpilot start to exit", () => start.exit, 15_000);
    const stopMs = (start.exit?.atMs ?? 0) - t0;
    note(`SIGTERM to exit: ${stopMs} ms`);
    expect(start.exit).toMatchObject({ code: 0, signal: null });
    expect(stopMs).toBeLessThan(5000);
    // The subscriber's output may trail the supervisor's exit by a moment.
    await until(
      "every availability offline",
      () => components.every((c) => watch.last(availability(c)) === "offline"),
      5000,
    ).catch(() => undefined);
    for (const c of components) expect(watch.last(availability(c)), componentId(c)).toBe("offline");
    // Each child stopped cleanly on the supervisor's SIGTERM (exit code 0, not killed).
    const final = supervisorState();
    note(`children's last exits: ${JSON.stringify(final?.processes.map((p) => [p.name, p.lastExit]))}`);
    expect(final?.processes.map((p) => [p.name, p.running, p.lastExit?.code, p.lastExit?.signal])).toEqual(
      final?.processes.map((p) => [p.name, false, 0, null]),
    );
    expect(pids.filter(isAlive)).toEqual([]);
    await watch.close();
    const left = await execa("ip", ["netns", "pids", lab.ns.gw], { timeout: 5000 });
    expect(left.stdout.trim()).toBe("");
  });
});

describe(`wanpilot start killed with SIGKILL`, () => {
  it("leaves no part behind: each child notices its supervisor is gone and stops", async () => {
    // Its own port, so this test does not depend on the one above having stopped.
    const config = writeConfig(PORT + 1, "sigkill.yaml");
    const again = new Spawned([...inGw(), process.execPath, BIN, "start", "--config", config]);
    try {
      await until(
        "every child started",
        () =>
          again.json().filter((l) => l.msg === "child started").length >= components.length - 1 || again.exit,
        15_000,
      );
      expect(again.exit, again.text()).toBeUndefined();
      const children = again
        .json()
        .filter((l) => l.msg === "child started")
        .map((l) => Number(l.pid));
      const t0 = Date.now();
      process.kill(again.pid, "SIGKILL");
      await until("every child to stop", () => children.every((pid) => !isAlive(pid)), 15_000).catch(
        async (err: unknown) => {
          const ps = await execa("ps", ["-o", "pid,ppid,stat,etime,cmd", "-p", children.join(",")], {
            reject: false,
          });
          throw new Error(`${String(err)}\n${ps.stdout}`);
        },
      );
      note(`supervisor SIGKILLed: all ${children.length} children gone after ${Date.now() - t0} ms`);
      const left = await execa("ip", ["netns", "pids", lab.ns.gw], { timeout: 5000 });
      const ours = left.stdout
        .split("\n")
        .filter((pid) => pid !== "" && isAlive(Number(pid)))
        .filter((pid) => {
          try {
            return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(config);
          } catch {
            return false; // gone meanwhile
          }
        });
      expect(ours).toEqual([]);
    } finally {
      await again.stop("SIGKILL");
    }
  });
});
