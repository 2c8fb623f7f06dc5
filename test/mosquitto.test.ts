import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Component, componentId, topics } from "@wanpilot/common";
import { createLab, type Lab } from "@wanpilot/lab";
import { until } from "@wanpilot/testing";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Spawned } from "./helpers/process.js";
import { BusWatch } from "./helpers/watch.js";

// With bus.url set, no embedded broker: every part connects to an external broker, here a real
// Mosquitto (Debian package) with a password file, inside a lab's gateway namespace.
const BIN = new URL("../packages/cli/bin/wanpilot.js", import.meta.url).pathname;
const GW = "mosq";
const PORT = 18841;

let lab: Lab;
let dir: string;
let mosquitto: Spawned;
let watch: BusWatch;
const inGw = () => ["ip", "netns", "exec", lab.ns.gw];

async function passwd(file: string, user: string, password: string, create: boolean): Promise<void> {
  await execa("mosquitto_passwd", [...(create ? ["-c"] : []), "-b", file, user, password], {
    timeout: 10_000,
  });
}

function writeConfig(): string {
  writeFileSync(join(dir, "gw.pass"), "gw-secret\n", { mode: 0o600 });
  const links = lab.isps
    .map(
      (isp) =>
        `  - {name: ${isp.name}, interface: ${isp.wanInterface}, gateway: ${isp.modemAddress}, source: ${isp.gwAddress}, probe: {targets: [${lab.targets.join(", ")}], interval: 200ms, timeout: 500ms}}\n`,
    )
    .join("");
  const path = join(dir, "wanpilot.yaml");
  writeFileSync(
    path,
    `gateway: ${GW}
links:
${links}bus:
  url: mqtt://127.0.0.1:${PORT}
  username: gw1
  password_file: ${join(dir, "gw.pass")}
runtime_dir: ${join(dir, "run")}
logger:
  database: ${join(dir, "wanpilot.db")}
`,
  );
  return path;
}

beforeAll(async () => {
  lab = await createLab({ isps: 2, name: "climosq" });
  dir = mkdtempSync(join(tmpdir(), "wanpilot-mosq-"));
  const pw = join(dir, "passwd");
  await passwd(pw, "gw1", "gw-secret", true);
  await passwd(pw, "watcher", "watch-secret", false);
  writeFileSync(
    join(dir, "mosquitto.conf"),
    [
      `listener ${PORT} 127.0.0.1`,
      "allow_anonymous false",
      `password_file ${pw}`,
      "persistence false",
      "log_dest stderr", // stdout is block-buffered into a pipe
      "log_type all",
      // Running as root, mosquitto would switch to its own user and could not read the temp dir.
      "user root",
      "",
    ].join("\n"),
  );
  mosquitto = new Spawned([...inGw(), "mosquitto", "-c", join(dir, "mosquitto.conf")]);
  await until(
    "mosquitto to listen",
    () => mosquitto.lines.some((l) => /Opening ipv4 listen socket on port/.test(l.line)) || mosquitto.exit,
    15_000,
  );
  expect(mosquitto.exit, mosquitto.text()).toBeUndefined();
  watch = new BusWatch(inGw(), PORT, ["-u", "watcher", "-P", "watch-secret"]);
});

afterAll(async () => {
  await watch?.close();
  await mosquitto?.stop();
  await lab?.destroy();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe(`parts on an external Mosquitto (bus.url)`, () => {
  it("wanpilot start runs no broker of its own; every part connects to Mosquitto and publishes there", async () => {
    const config = writeConfig();
    const start = new Spawned([...inGw(), process.execPath, BIN, "start", "--config", config]);
    const components: Component[] = [
      ...lab.isps.map((i): Component => ({ kind: "prober", link: i.name })),
      { kind: "router" },
      { kind: "logger" },
      { kind: "supervisor" },
    ];
    try {
      await until(
        "every availability online on mosquitto",
        () => components.every((c) => watch.last(topics.availability(GW, c)) === "online"),
        30_000,
      ).catch((err: unknown) => {
        throw new Error(`${String(err)}\nseen:\n${watch.sub.text()}\nstart:\n${start.text().slice(-4000)}`);
      });
      await until("supervisor state on mosquitto", () => watch.last(topics.supervisorState(GW)), 15_000);
      expect(start.json().some((l) => l.msg === "broker listening")).toBe(false);
      // Mosquitto saw each part log in as the configured user.
      expect(mosquitto.text()).toMatch(/New client connected .* as wanpilot-mosq-router .*u'gw1'/);
    } finally {
      await start.stop("SIGTERM", 10_000);
    }
    expect(start.exit?.code).toBe(0);
    for (const c of components)
      expect(watch.last(topics.availability(GW, c)), componentId(c)).toBe("offline");
  });

  it("a part run alone (wanpilot logger) connects to Mosquitto too", async () => {
    const config = join(dir, "wanpilot.yaml");
    const logger = new Spawned([...inGw(), process.execPath, BIN, "logger", "--config", config]);
    const topic = topics.availability(GW, { kind: "logger" });
    const since = Date.now();
    try {
      await until(
        "the logger online",
        () => watch.messages().some((m) => m.topic === topic && m.payload === "online" && m.atMs >= since),
        20_000,
      ).catch((err: unknown) => {
        throw new Error(`${String(err)}\nlogger:\n${logger.text().slice(-3000)}`);
      });
    } finally {
      await logger.stop("SIGTERM");
    }
    expect(logger.exit?.code).toBe(0);
    await until("the logger offline after SIGTERM", () => watch.last(topic) === "offline", 15_000);
  });
});
