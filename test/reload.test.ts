import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RouterState, SupervisorState, topics } from "@wanpilot/common";
import { createLab, type Lab } from "@wanpilot/lab";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Spawned, until } from "./helpers/process.js";
import { missingServices } from "./helpers/services.js";
import { BusWatch } from "./helpers/watch.js";

// Live operation of `wanpilot start` in a lab gateway: the config snapshot, reloads.
const BIN = new URL("../packages/cli/bin/wanpilot.js", import.meta.url).pathname;
const GW = "live";
const PORT = 18850;

let lab: Lab;
let dir: string;
let configPath: string;
let start: Spawned;
let watch: BusWatch;
const inGw = () => ["ip", "netns", "exec", lab.ns.gw];
const note = (line: string) => process.stderr.write(`[reload.test] ${line}\n`);

interface LinkSpec {
  isp: number;
  name?: string;
  weight?: number;
  targets?: string[];
}

function writeConfig(links: LinkSpec[], rules = ""): void {
  const text = links.map((l) => {
    const isp = lab.isps[l.isp];
    if (isp === undefined) throw new Error(`no isp ${l.isp}`);
    return `  - name: ${l.name ?? isp.name}
    interface: ${isp.wanInterface}
    gateway: ${isp.modemAddress}
    source: ${isp.gwAddress}
    table: ${101 + l.isp}
    weight: ${l.weight ?? 1}
    probe:
      targets: [${(l.targets ?? lab.targets).join(", ")}]
      interval: 200ms
      timeout: 500ms
      up: 2
`;
  });
  writeFileSync(
    configPath,
    `gateway: ${GW}
links:
${text.join("")}${rules}bus:
  listen: 127.0.0.1:${PORT}
runtime_dir: ${join(dir, "run")}
logger:
  database: ${join(dir, "wanpilot.db")}
log_level: debug
`,
  );
}

function lastJson<T>(topic: string, schema: { parse(v: unknown): T }): T | undefined {
  const raw = watch.last(topic);
  return raw === undefined ? undefined : schema.parse(JSON.parse(raw));
}
const supervisorState = () => lastJson(topics.supervisorState(GW), SupervisorState);
const routerState = () => lastJson(topics.routerState(GW), RouterState);

async function defaultRoute(): Promise<string> {
  const r = await execa("ip", ["netns", "exec", lab.ns.gw, "ip", "route", "show", "table", "all", "default"]);
  return r.stdout;
}

const missing = await missingServices();
const skip = missing.length > 0;

beforeAll(async () => {
  if (skip) return;
  lab = await createLab({ isps: 3, name: "reload" });
  dir = mkdtempSync(join(tmpdir(), "wanpilot-reload-"));
  configPath = join(dir, "wanpilot.yaml");
  writeConfig([{ isp: 0 }, { isp: 1 }]);
  start = new Spawned([...inGw(), process.execPath, BIN, "start", "--config", configPath]);
  await until(
    () => start.json().some((l) => l.msg === "broker listening") || start.exit,
    "the broker to listen",
  );
  expect(start.exit, start.text()).toBeUndefined();
  watch = new BusWatch(inGw(), PORT);
  await until(
    () => routerState()?.links.every((l) => l.state === "up" && l.active),
    "both links up and active",
    30_000,
  );
});

afterAll(async () => {
  await start?.stop("SIGKILL");
  await watch?.close();
  await lab?.destroy();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(skip)("the config of a running wanpilot start", () => {
  it("is the one it started with: an edited file changes nothing, even for a restarted part", async () => {
    const [isp1, isp2] = lab.isps;
    writeConfig([{ isp: 0, name: "renamed" }, { isp: 1 }]);
    const old = supervisorState()?.processes.find((p) => p.name === "router");
    expect(old?.pid).toBeTypeOf("number");
    const killedAt = Date.now();
    process.kill(old?.pid ?? 0, "SIGKILL");
    await until(() => {
      const p = supervisorState()?.processes.find((q) => q.name === "router");
      return p?.running && p.pid !== old?.pid;
    }, "a new router");
    await until(
      () => watch.messages().some((m) => m.topic === topics.routerState(GW) && m.atMs > killedAt),
      "the restarted router's state",
    );
    expect(routerState()?.links.map((l) => [l.link, l.active])).toEqual([
      [isp1?.name, true],
      [isp2?.name, true],
    ]);
    const route = await defaultRoute();
    expect(route).toContain(isp1?.wanInterface);
    expect(route).toContain(isp2?.wanInterface);
    writeConfig([{ isp: 0 }, { isp: 1 }]);
    note(`router killed and back with the started config; default route: ${route.replace(/\n/g, " | ")}`);
  });
});
