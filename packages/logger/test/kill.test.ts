import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type LinkStateName, type LinkTransition, WanpilotConfigInput } from "@wanpilot/common";
import { startTestBroker, until } from "@wanpilot/testing";
import { afterEach, describe, expect, it } from "vitest";
import { Store } from "../src/adapters/store.js";
import { T0, tempDir, transition } from "./fixtures.js";
import { OutboxPublisher } from "./helpers/outbox-publisher.js";

// The real `wanpilot logger` process (compiled dist: run `tsc -b` first), killed with SIGKILL while
// events stream in, restarted on the same database.
const BIN = new URL("../../cli/bin/wanpilot.js", import.meta.url).pathname;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

class LoggerChild {
  proc: ChildProcess | undefined;
  output = "";
  constructor(private readonly configPath: string) {}
  start(): void {
    const proc = spawn(process.execPath, [BIN, "logger", "--config", this.configPath], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    proc.stdout?.on("data", (d: Buffer) => {
      this.output += d.toString();
    });
    proc.stderr?.on("data", (d: Buffer) => {
      this.output += d.toString();
    });
    this.proc = proc;
  }
  /** Waits for the "logger running" line; on timeout the error carries the child's output. */
  async waitRunning(): Promise<void> {
    await until(
      "the logger process running (is dist built? tsc -b)",
      () => this.output.includes('"msg":"logger running"'),
      30_000,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}\n${this.output.slice(-3000)}`);
    });
  }
  async kill(): Promise<void> {
    const proc = this.proc;
    if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.once("exit", resolve));
    proc.kill("SIGKILL");
    await exited;
    this.output = "";
  }
}

describe("the logger process killed with SIGKILL", () => {
  it("loses and doubles nothing: the database holds every event once", async () => {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const broker = await startTestBroker();
    cleanups.push(() => broker.stop());
    const gateway = `kill${process.pid}`;
    const yaml = `gateway: ${gateway}
links:
  - name: a
    interface: wan0
  - name: b
    interface: wan1
bus:
  url: ${broker.url}
  allow_no_credentials: true
runtime_dir: ${join(tmp.dir, "run")}
logger:
  database: ${tmp.dbPath}
log_level: info
`;
    const configPath = join(tmp.dir, "wanpilot.yaml");
    writeFileSync(configPath, yaml);
    const config = WanpilotConfigInput.parse({
      gateway,
      bus: { url: broker.url, allow_no_credentials: true },
      links: [
        { name: "a", interface: "wan0" },
        { name: "b", interface: "wan1" },
      ],
    });
    const logger = new LoggerChild(configPath);
    cleanups.push(() => logger.kill());
    logger.start();
    await logger.waitRunning();

    const probers = new Map([
      ["a", await OutboxPublisher.start({ config, component: { kind: "prober", link: "a" } })],
      ["b", await OutboxPublisher.start({ config, component: { kind: "prober", link: "b" } })],
    ]);
    cleanups.push(async () => {
      for (const p of probers.values()) await p.close();
    });
    const happened: LinkTransition[] = [];
    const stateOf = new Map<string, LinkStateName>();
    const failovers = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) {
        const step = happened.length + 1;
        const link = step % 2 === 0 ? "a" : "b";
        const to: LinkStateName = stateOf.get(link) === "up" ? "down" : "up";
        stateOf.set(link, to);
        const t = transition(step, link, to, T0 + step * 1000);
        happened.push(t);
        probers.get(link)?.emitTransition(t);
        await sleep(2); // pacing, so the kills land while events are arriving
      }
    };

    for (let round = 0; round < 3; round++) {
      await failovers(40);
      await logger.kill();
      await failovers(10);
      logger.start();
      await logger.waitRunning();
    }
    await failovers(20);

    const all = [...probers.values()];
    await until("every event acked", () => all.every((p) => p.outbox.size === 0), 60_000);
    const store = Store.open(tmp.dbPath, { readonly: true });
    cleanups.push(() => store.close());
    const stored = store.transitions();
    expect(new Set(stored.map((t) => t.id)).size).toBe(stored.length);
    expect(stored.map((t) => t.id)).toEqual(happened.map((t) => t.id));
    expect(stored.map((t) => t.to)).toEqual(happened.map((t) => t.to));
  });
});
