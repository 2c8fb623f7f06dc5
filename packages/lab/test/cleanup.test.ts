import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { createLab, isLabError, isPidAlive, listNamespaces, sweepStaleLabs, withLab } from "@wanpilot/lab";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HostSnapshot, namespacesOfThisProcess, snapshotHost } from "./host-guard.js";

let before: HostSnapshot;
beforeAll(async () => {
  before = await snapshotHost();
});
afterAll(async () => {
  expect(await namespacesOfThisProcess()).toEqual([]);
  expect(await snapshotHost()).toEqual(before);
});

async function exists(names: readonly string[]): Promise<string[]> {
  const present = await listNamespaces();
  return names.filter((name) => present.includes(name));
}

function labNames(ns: { gw: string; lan: string; inet: string; isp: readonly string[] }): string[] {
  return [ns.gw, ns.lan, ns.inet, ...ns.isp];
}

describe("destroy", () => {
  it("removes every namespace and process of the lab, and is idempotent", async () => {
    const lab = await createLab({ isps: 2, name: "destroy" });
    const names = labNames(lab.ns);
    expect(await exists(names)).toEqual(names);
    const sleeper = lab.spawn("lan", ["sleep", "30"]);
    const pids = (await lab.exec("inet", ["ip", "netns", "pids", lab.ns.inet]))
      .trim()
      .split("\n")
      .map(Number);
    expect(pids.length).toBeGreaterThan(0);

    await Promise.all([lab.destroy(), lab.destroy()]);
    await lab.destroy();
    expect(await exists(names)).toEqual([]);
    expect(sleeper.running).toBe(false);
    for (const pid of pids) expect(isPidAlive(pid)).toBe(false);
    expect(lab.destroyed).toBe(true);
    await expect(lab.exec("gw", ["true"])).rejects.toSatisfy((error) => isLabError(error, "LAB_DESTROYED"));
  });

  it("withLab cleans up when the test body throws", async () => {
    let names: string[] = [];
    await expect(
      withLab({ isps: 2, name: "throws" }, async (lab) => {
        names = labNames(lab.ns);
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(names).toHaveLength(5);
    expect(await exists(names)).toEqual([]);
  });

  it("refuses to run anything outside its own namespaces", async () => {
    await withLab({ isps: 2 }, async (lab) => {
      expect(() => lab.spawn("default", ["true"])).toThrow(/not a namespace of lab/);
      await expect(lab.exec("wpl1x1-gw", ["true"])).rejects.toThrow(/not a namespace of lab/);
      expect(() => lab.isp("isp9")).toThrow(/no ISP/);
    });
  });

  it("refuses bad options before creating anything", async () => {
    await expect(createLab({ isps: 0 })).rejects.toSatisfy((error) =>
      isLabError(error, "LAB_INVALID_OPTIONS"),
    );
    await expect(createLab({ isps: 2, name: "Bad Name" })).rejects.toThrow(/name/);
    expect(await namespacesOfThisProcess()).toEqual([]);
  });
});

const DIST_INDEX = fileURLToPath(new URL("../dist/index.js", import.meta.url));
// A separate process that builds a lab, prints its namespaces and then either exits normally
// without destroying the lab (the exit hook must clean up) or waits to be killed.
const ORPHAN = `
const { createLab } = await import(process.argv[1]);
const lab = await createLab({ isps: 1, name: "orphan" });
console.log(JSON.stringify(lab.ns));
if (process.argv[2] === "exit") process.exit(0);
setTimeout(() => process.exit(3), 30000);
`;

async function runOrphan(mode: "exit" | "wait") {
  const child = execa(process.execPath, ["--input-type=module", "-e", ORPHAN, DIST_INDEX, mode], {
    timeout: 30_000,
    reject: false,
    buffer: false,
  });
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout?.once("data", (data: Buffer) => resolve(data.toString()));
    void child.then(() => reject(new Error("orphan exited early")));
  });
  return { child, names: labNames(JSON.parse(line)) };
}

describe("leftovers of other processes", () => {
  it("a process that exits without destroy() still removes its labs", async () => {
    const { child, names } = await runOrphan("exit");
    expect((await child).exitCode).toBe(0);
    expect(await exists(names)).toEqual([]);
  });

  it("sweepStaleLabs removes the labs of a killed process, and what ran inside them", async () => {
    const { child, names } = await runOrphan("wait");
    const inet = names[2] ?? "";
    const inside = (await execa("ip", ["netns", "pids", inet], { timeout: 5_000 })).stdout
      .split("\n")
      .map(Number);
    child.kill("SIGKILL");
    await child;

    // Another test file's createLab() may sweep first; either way the lab must be gone afterwards.
    await sweepStaleLabs();
    expect(await exists(names)).toEqual([]);
    for (const pid of inside) expect(isPidAlive(pid)).toBe(false);
  });

  it("sweepStaleLabs keeps labs whose creator is alive and removes those of a dead pid", async () => {
    const pidMax = Number(await readFile("/proc/sys/kernel/pid_max", "utf8"));
    const dead = [`wpl${pidMax + 1}xdead1-gw`, `wpl${pidMax + 1}xdead1-isp1`];
    const alive = `wpl${process.ppid}xalive1-gw`;
    try {
      for (const name of [...dead, alive]) await execa("ip", ["netns", "add", name], { timeout: 5_000 });
      const removed = await sweepStaleLabs();
      expect(removed).not.toContain(alive);
      expect(await exists([...dead, alive])).toEqual([alive]);
    } finally {
      for (const name of [...dead, alive]) {
        await execa("ip", ["netns", "delete", name], { timeout: 5_000, reject: false });
      }
    }
  });
});
