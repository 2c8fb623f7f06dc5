import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Component, componentId, topics } from "@wanpilot/common";
import { createLab, type Lab } from "@wanpilot/lab";
import { until } from "@wanpilot/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Spawned } from "./helpers/process.js";
import { BusWatch } from "./helpers/watch.js";

// The parts as separate processes, the way the systemd units and compose services run them:
// `wanpilot broker`, then `wanpilot prober --link X`, `wanpilot router`, `wanpilot logger`.
const BIN = new URL("../packages/cli/bin/wanpilot.js", import.meta.url).pathname;
const GW = "parts";
const PORT = 18850;

let lab: Lab;
let dir: string;
let config: string;
let watch: BusWatch | undefined;
const procs: Spawned[] = [];
const inGw = () => ["ip", "netns", "exec", lab.ns.gw];
const wanpilot = (args: string[]) => {
  const p = new Spawned([...inGw(), process.execPath, BIN, ...args, "--config", config]);
  procs.push(p);
  return p;
};

beforeAll(async () => {
  lab = await createLab({ isps: 2, name: "cliparts" });
  dir = mkdtempSync(join(tmpdir(), "wanpilot-parts-"));
  config = join(dir, "wanpilot.yaml");
  const links = lab.isps
    .map(
      (isp) =>
        `  - {name: ${isp.name}, interface: ${isp.wanInterface}, gateway: ${isp.modemAddress}, source: ${isp.gwAddress}, probe: {targets: [${lab.targets.join(", ")}]}}\n`,
    )
    .join("");
  writeFileSync(
    config,
    `gateway: ${GW}\nlinks:\n${links}bus: {listen: "127.0.0.1:${PORT}"}\nruntime_dir: ${join(dir, "run")}\nlogger: {database: ${join(dir, "wanpilot.db")}}\n`,
  );
});

afterAll(async () => {
  await watch?.close();
  for (const p of procs) await p.stop("SIGKILL");
  await lab?.destroy();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

async function startBroker(): Promise<Spawned> {
  const broker = wanpilot(["broker"]);
  await until(
    "the broker",
    () => broker.json().some((l) => l.msg === "broker listening") || broker.exit,
    15_000,
  );
  expect(broker.exit, broker.text()).toBeUndefined();
  return broker;
}

describe(`the parts run alone against wanpilot broker`, () => {
  it("connect with the broker's generated secret, survive a broker restart, and end offline", async () => {
    let broker = await startBroker();
    watch = new BusWatch(inGw(), PORT);
    const parts: Array<[Component, string[]]> = [
      ...lab.isps.map((i): [Component, string[]] => [
        { kind: "prober", link: i.name },
        ["prober", "--link", i.name],
      ]),
      [{ kind: "router" }, ["router"]],
      [{ kind: "logger" }, ["logger"]],
    ];
    const running = parts.map(([c, args]) => [c, wanpilot(args)] as const);
    const online = (w: BusWatch) => parts.every(([c]) => w.last(topics.availability(GW, c)) === "online");
    await until("every part online", () => online(watch as BusWatch), 30_000);
    // A steady state: every part has finished starting (a broker restart during start-up is another story).
    await until(
      "every part started",
      () => running.every(([, p]) => p.json().some((l) => l.msg === "started")),
      30_000,
    );

    // The broker restarts (keeping its secret in runtime_dir): every part logs in again by itself.
    await broker.stop("SIGTERM");
    await watch.close();
    broker = await startBroker();
    watch = new BusWatch(inGw(), PORT);
    await until(
      "every part online after the broker restarted",
      () => online(watch as BusWatch),
      30_000,
    ).catch((err: unknown) => {
      const logs = running.map(
        ([c, p]) => `${componentId(c)}:\n${p.text().split("\n").slice(-6).join("\n")}`,
      );
      throw new Error(
        `${String(err)}\nseen:\n${watch?.sub.text()}\n${logs.join("\n")}\nbroker:\n${broker.text().slice(-2000)}`,
      );
    });

    for (const [c, p] of running) {
      await p.stop("SIGTERM");
      expect(
        p.exit?.code,
        `${componentId(c)} ${JSON.stringify(p.exit)}\n${p.text().split("\n").slice(-8).join("\n")}`,
      ).toBe(0);
      await until(
        `${componentId(c)} offline`,
        () => watch?.last(topics.availability(GW, c)) === "offline",
        15_000,
      );
    }
    await broker.stop("SIGTERM");
    expect(broker.exit?.code).toBe(0);
  });
});
