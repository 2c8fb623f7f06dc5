import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Operation, RouterState, SupervisorState, topics } from "@wanpilot/common";
import { createLab, type Lab } from "@wanpilot/lab";
import { until } from "@wanpilot/testing";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Spawned } from "./helpers/process.js";
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

const rule = (name: string) => `rules:
  - name: ${name}
    dst: 203.0.113.1/32
    proto: udp
    dport: 9999
    via: [isp2]
`;

async function cli(...args: string[]) {
  return await execa(...gwArgv(process.execPath, BIN, ...args, "--config", configPath), {
    reject: false,
    timeout: 30_000,
  });
}
const gwArgv = (...argv: string[]): [string, string[]] => ["ip", ["netns", "exec", lab.ns.gw, ...argv]];
const pidOf = (name: string) => supervisorState()?.processes.find((p) => p.name === name)?.pid;
const operations = () =>
  watch
    .messages()
    .filter((m) => m.topic === topics.operations(GW))
    .map((m) => ({ ...Operation.parse(JSON.parse(m.payload)), atMs: m.atMs }));

async function gwOut(...argv: string[]): Promise<string> {
  return (await execa(...gwArgv(...argv), { timeout: 10_000 })).stdout;
}

async function defaultRoute(): Promise<string> {
  const r = await execa("ip", ["netns", "exec", lab.ns.gw, "ip", "route", "show", "table", "all", "default"]);
  return r.stdout;
}

beforeAll(async () => {
  lab = await createLab({ isps: 3, name: "reload" });
  dir = mkdtempSync(join(tmpdir(), "wanpilot-reload-"));
  configPath = join(dir, "wanpilot.yaml");
  writeConfig([{ isp: 0 }, { isp: 1 }], rule("pinned"));
  start = new Spawned([...inGw(), process.execPath, BIN, "start", "--config", configPath]);
  await until(
    "the broker to listen",
    () => start.json().some((l) => l.msg === "broker listening") || start.exit,
    15_000,
  );
  expect(start.exit, start.text()).toBeUndefined();
  watch = new BusWatch(inGw(), PORT);
  await until(
    "both links up and active",
    () => routerState()?.links.every((l) => l.state === "up" && l.active),
    30_000,
  );
});

afterAll(async () => {
  await start?.stop("SIGKILL");
  await watch?.close();
  await lab?.destroy();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe("the config of a running wanpilot start", () => {
  it("is the one it started with: an edited file changes nothing, even for a restarted part", async () => {
    const [isp1, isp2] = lab.isps;
    writeConfig([{ isp: 0, name: "renamed" }, { isp: 1 }], rule("pinned"));
    const old = supervisorState()?.processes.find((p) => p.name === "router");
    expect(old?.pid).toBeTypeOf("number");
    const killedAt = Date.now();
    process.kill(old?.pid ?? 0, "SIGKILL");
    await until(
      "a new router",
      () => {
        const p = supervisorState()?.processes.find((q) => q.name === "router");
        return p?.running && p.pid !== old?.pid;
      },
      15_000,
    );
    await until(
      "the restarted router's state",
      () => watch.messages().some((m) => m.topic === topics.routerState(GW) && m.atMs > killedAt),
      15_000,
    );
    expect(routerState()?.links.map((l) => [l.link, l.active])).toEqual([
      [isp1?.name, true],
      [isp2?.name, true],
    ]);
    const route = await defaultRoute();
    expect(route).toContain(isp1?.wanInterface);
    expect(route).toContain(isp2?.wanInterface);
    writeConfig([{ isp: 0 }, { isp: 1 }], rule("pinned"));
    note(`router killed and back with the started config; default route: ${route.replace(/\n/g, " | ")}`);
  });
});

describe("wanpilot reload", () => {
  it("refuses an invalid file whole: exit 1, one line, the log, a refused reload on the bus; nothing changes", async () => {
    const before = await gwOut("ip", "-4", "rule", "show");
    const routeBefore = await defaultRoute();
    const pids = supervisorState()?.processes.map((p) => [p.name, p.pid]);
    writeFileSync(configPath, `${(await import("node:fs")).readFileSync(configPath, "utf8")}bogus_key: 1\n`);
    const t0 = Date.now();
    const r = await cli("reload");
    note(`invalid reload: exit ${r.exitCode}, stderr ${JSON.stringify(r.stderr)}`);
    expect(r.exitCode).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/reload refused: .*bogus_key/);
    const op = await until("the reload event", () =>
      operations().find((o) => o.atMs >= t0 && o.action === "reload"),
    );
    expect(op).toMatchObject({ result: "refused", by: "signal" });
    expect(start.json().some((l) => String(l.msg).startsWith("reload refused"))).toBe(true);
    expect(await gwOut("ip", "-4", "rule", "show")).toBe(before);
    expect(await defaultRoute()).toBe(routeBefore);
    expect(supervisorState()?.processes.map((p) => [p.name, p.pid])).toEqual(pids);
  });

  it("applies weights, a new link, new probe targets, a renamed rule and reordered links at once: no stream broken", async () => {
    const [isp1, isp2, isp3] = lab.isps;
    const streams = await lab.startStreams({ count: 16, durationMs: 110_000 });
    try {
      expect(streams.streams.every((s) => s.isp !== undefined)).toBe(true);
      const prober1 = pidOf(`prober/${isp1?.name}`);
      const prober2 = pidOf(`prober/${isp2?.name}`);
      const router = pidOf("router");
      // The kept links' mark rules: slots are per link name, so a reorder must not move them.
      const markRules = async () =>
        (await gwOut("ip", "-4", "rule", "show"))
          .split("\n")
          .filter((l) => /fwmark .*lookup 10[12]\b/.test(l));
      const marksBefore = await markRules();
      expect(marksBefore.length).toBeGreaterThan(0);
      // The new link first, the kept ones swapped.
      writeConfig(
        [
          { isp: 2, weight: 1 },
          { isp: 1, weight: 2, targets: (lab.targets ?? []).slice(0, 2) },
          { isp: 0, weight: 3 },
        ],
        rule("renamed-rule"),
      );
      const bytes = streams.bytes();
      const t0 = Date.now();
      const r = await cli("reload");
      note(`reload: exit ${r.exitCode} in ${Date.now() - t0} ms: ${r.stdout.trim()} ${r.stderr.trim()}`);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/links added: isp3.*probers restarted: isp2/);
      await until("the new weights in the kernel", async () => /weight 3/.test(await defaultRoute()), 15_000);
      await until(
        "the new link up and in the default route",
        () => routerState()?.links.find((l) => l.link === isp3?.name)?.active,
        30_000,
      );
      const route = await defaultRoute();
      note(`default route after the reload: ${route.replace(/\n/g, " | ")}`);
      expect(route).toMatch(new RegExp(`dev ${isp1?.wanInterface} weight 3`));
      expect(route).toMatch(new RegExp(`dev ${isp2?.wanInterface} weight 2`));
      expect(route).toMatch(new RegExp(`dev ${isp3?.wanInterface} weight 1`));
      expect(pidOf(`prober/${isp1?.name}`)).toBe(prober1);
      expect(pidOf(`prober/${isp2?.name}`)).toBe(prober2);
      expect(pidOf("router")).toBe(router);
      expect(routerState()?.rules.map((x) => x.name)).toEqual(["renamed-rule"]);
      expect(await markRules()).toEqual(marksBefore);
      // Every stream still flows: its echoed byte count keeps growing.
      for (const s of streams.streams)
        expect(await s.waitForProgress(5000, 128), `stream ${s.index} on ${s.isp}`).toBe(true);
      expect(streams.streams.filter((s) => s.closed())).toEqual([]);
      expect(streams.bytes().every((b, i) => b > (bytes[i] ?? 0))).toBe(true);
    } finally {
      await streams.stop();
    }
  });

  it("removes a link: its prober stops, its rules and routes are gone, its connections flushed, others untouched", async () => {
    const isp3 = lab.isps[2];
    // isp3 has weight 1 of 6: 48 streams leave none on it once in ~6000 runs (24 did once in ~80).
    const streams = await lab.startStreams({ count: 48, durationMs: 110_000 });
    try {
      const on3 = streams.streams.filter((s) => s.isp === isp3?.name);
      const others = streams.streams.filter((s) => s.isp !== isp3?.name);
      expect(on3.length).toBeGreaterThan(0);
      writeConfig(
        [
          { isp: 0, weight: 3 },
          { isp: 1, weight: 2, targets: (lab.targets ?? []).slice(0, 2) },
        ],
        rule("renamed-rule"),
      );
      const r = await cli("reload");
      note(`remove: exit ${r.exitCode}: ${r.stdout.trim()} ${r.stderr.trim()}`);
      expect(r.exitCode, r.stderr).toBe(0);
      await until("the removed link's prober gone", () => pidOf(`prober/${isp3?.name}`) === undefined);
      await until(
        "its rules gone",
        async () => !(await gwOut("ip", "-4", "rule", "show")).includes("lookup 103"),
        15_000,
      );
      expect(await gwOut("ip", "-4", "route", "show", "table", "103")).toBe("");
      expect(await defaultRoute()).not.toContain(isp3?.wanInterface ?? "wan3");
      expect(await streams.waitFor(() => (on3.every((s) => s.closed()) ? true : undefined), 15_000)).toBe(
        true,
      );
      for (const s of others)
        expect(await s.waitForProgress(5000, 128), `stream ${s.index} on ${s.isp}`).toBe(true);
      expect(others.filter((s) => s.closed())).toEqual([]);
      note(`removed ${isp3?.name}: ${on3.length} of its streams ended, ${others.length} others kept flowing`);
    } finally {
      await streams.stop();
    }
  });
});

describe("wanpilot link (operator commands)", () => {
  const override = (link: string) => routerState()?.links.find((l) => l.link === link)?.override ?? null;

  it("drain: no new connections on the link, its streams go on; disable: its streams flushed, probes go on", async () => {
    const [isp1] = lab.isps;
    const name = isp1?.name ?? "isp1";
    const streams = await lab.startStreams({ count: 16, durationMs: 110_000 });
    try {
      const on1 = streams.streams.filter((s) => s.isp === name);
      const others = streams.streams.filter((s) => s.isp !== name);
      expect(on1.length).toBeGreaterThan(0);
      const drain = await cli("link", name, "drain");
      note(`link drain: exit ${drain.exitCode}: ${drain.stdout.trim()} ${drain.stderr.trim()}`);
      expect(drain.exitCode, drain.stderr).toBe(0);
      await until("the drain in the router's state", () => override(name)?.admin === "drain");
      const fresh = await lab.openFlows({ count: 100 });
      expect(fresh.failed).toBe(0);
      expect(fresh.byIsp[name] ?? 0).toBe(0);
      for (const s of on1) expect(await s.waitForProgress(5000, 128), `drained stream ${s.index}`).toBe(true);

      const disable = await cli("link", name, "disable");
      expect(disable.exitCode, disable.stderr).toBe(0);
      expect(await streams.waitFor(() => (on1.every((s) => s.closed()) ? true : undefined), 15_000)).toBe(
        true,
      );
      for (const s of others)
        expect(await s.waitForProgress(5000, 128), `stream ${s.index} on ${s.isp}`).toBe(true);
      expect(others.filter((s) => s.closed())).toEqual([]);
      expect(routerState()?.links.find((l) => l.link === name)).toMatchObject({ state: "up", active: false });
      // status reads the retained state: on a loaded machine one read may come back before it arrived.
      await until(
        "status --json showing the override",
        async () => {
          const status = await cli("status", "--json");
          if (status.exitCode !== 0) return false;
          const view = JSON.parse(status.stdout) as {
            links: Array<{ name: string; override?: { admin?: string } }>;
          };
          return view.links.find((l) => l.name === name)?.override?.admin === "disable";
        },
        30_000,
      );
      note(`disable: ${on1.length} streams of ${name} flushed, ${others.length} others kept flowing`);
    } finally {
      await streams.stop();
    }
  });

  it("overrides survive a router restart and a reload, until reset", async () => {
    const name = lab.isps[0]?.name ?? "isp1";
    const router = pidOf("router");
    process.kill(router ?? 0, "SIGKILL");
    await until("a new router", () => pidOf("router") !== router && pidOf("router") !== undefined);
    const t0 = Date.now();
    await until("the new router's state", () =>
      watch.messages().some((m) => m.topic === topics.routerState(GW) && m.atMs > t0),
    );
    expect(override(name)?.admin).toBe("disable");
    expect(await defaultRoute()).not.toMatch(/nexthop via \S+ dev wan1/);
    const r = await cli("reload");
    expect(r.exitCode, r.stderr).toBe(0);
    expect(override(name)?.admin).toBe("disable");
    const reset = await cli("link", name, "reset");
    expect(reset.exitCode, reset.stderr).toBe(0);
    await until("no override", () => override(name) === null);
    await until("isp1 back in the route", async () => /dev wan1 weight 3/.test(await defaultRoute()), 15_000);
  });

  it("refuses unknown links, bad values and non-operators with a reason; nothing changes, nobody is cut off", async () => {
    const name = lab.isps[1]?.name ?? "isp2";
    const before = await defaultRoute();
    const unknown = await cli("link", "nope", "drain");
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toMatch(/refused: no link "nope"/);
    const t0 = Date.now();
    const pub = await execa(
      "ip",
      ["netns", "exec", lab.ns.gw, "mosquitto_pub", "-h", "127.0.0.1", "-p", String(PORT), "-q", "1"].concat([
        "-t",
        topics.linkCommand(GW, name),
        "-m",
        '{"id":"anon-1","action":"disable","by":"operator"}',
      ]),
      { reject: false, timeout: 10_000 },
    );
    expect(pub.exitCode).toBe(0);
    const op = await until("the refusal", () =>
      operations().find((o) => o.atMs >= t0 && o.command === "anon-1"),
    );
    note(`anonymous command: ${op.result}: ${op.reason}`);
    expect(op).toMatchObject({ result: "refused", by: "anonymous" });
    expect(op.reason).toMatch(/only the operator/);
    expect(override(name)).toBeNull();
    expect(await defaultRoute()).toBe(before);
    // The anonymous watcher that has been reading all along is still connected.
    expect(watch.sub.exit).toBeUndefined();
  });
});

describe("the audit trail", () => {
  it("wanpilot report lists every command and reload: who, what, when, accepted or refused and why", async () => {
    const name = lab.isps[0]?.name ?? "isp1";
    const want = [
      { action: "reload", result: "refused", by: "signal" },
      { action: "reload", result: "accepted", by: "signal" },
      { action: "drain", link: name, result: "accepted", by: "operator" },
      { action: "disable", link: name, result: "accepted", by: "operator" },
      { action: "reset", link: name, result: "accepted", by: "operator" },
      { action: "drain", link: "nope", result: "refused", by: "operator" },
      { action: "disable", result: "refused", by: "anonymous", command: "anon-1" },
    ];
    let report:
      | {
          operations: Array<Record<string, unknown>>;
          links: Array<{ name: string; disabledMs: number }>;
        }
      | undefined;
    await until(
      "every operation in the report",
      async () => {
        const r = await cli("report", "--json", "--since", "1h");
        if (r.exitCode !== 0) return false;
        report = JSON.parse(r.stdout);
        return want.every((w) =>
          report?.operations.some((o) => Object.entries(w).every(([k, v]) => o[k] === v)),
        );
      },
      15_000,
    );
    const link = report?.links.find((l) => l.name === name);
    note(`report: ${report?.operations.length} operations; ${name} disabled ${link?.disabledMs} ms`);
    // Disabled by the operator: counted apart from up and down time.
    expect(link?.disabledMs ?? 0).toBeGreaterThan(0);
    const text = await cli("report", "--since", "1h");
    expect(text.stdout).toMatch(/Operations \(\d+\)/);
    expect(text.stdout).toMatch(/anonymous {2}disable isp2 {2}refused: only the operator/);
  });
});
