import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The real `wanpilot` bin (compiled dist), as a user runs it.
const BIN = new URL("../bin/wanpilot.js", import.meta.url).pathname;
const repo = new URL("../../../", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "wanpilot-cli-"));
let busy: Server;
let busyPort: number;

const wanpilot = (args: string[], env: Record<string, string> = {}) =>
  execa(process.execPath, [BIN, ...args], { reject: false, timeout: 20_000, env, cwd: repo });

function config(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

beforeAll(async () => {
  busy = createServer();
  await new Promise<void>((r) => busy.listen(0, "127.0.0.1", r));
  busyPort = (busy.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise<void>((r) => busy.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

describe("wanpilot check-config", () => {
  const examples = readdirSync(join(repo, "examples")).filter((f) => f.endsWith(".yaml"));

  it.each(examples)("examples/%s is valid and summarised", async (file) => {
    const r = await wanpilot(["check-config", "--config", join("examples", file)]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/configuration is valid/);
    expect(r.stdout).toMatch(/table 101, tier 1, weight/);
    expect(r.stdout).toMatch(/^tiers/m);
    expect(r.stdout).toMatch(/^bus:/m);
  });

  it("takes the path from WANPILOT_CONFIG", async () => {
    const r = await wanpilot(["check-config"], { WANPILOT_CONFIG: join(repo, "examples/two-links.yaml") });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain("examples/two-links.yaml:");
  });

  it.each([
    {
      name: "bad duration",
      yaml: "links: [{name: a, interface: wan1, probe: {interval: fast}}]\n",
      line: 'links[0].probe.interval: "fast" is not a duration',
    },
    {
      name: "duplicate link names",
      yaml: "links: [{name: a, interface: wan1}, {name: a, interface: wan2}]\n",
      line: 'links[1].name: link name "a" is already used by links[0]',
    },
    {
      name: "unknown link in a rule",
      yaml: "links: [{name: a, interface: wan1}]\nrules: [{name: r, via: [b]}]\n",
      line: 'rules[0].via[0]: unknown link "b"',
    },
    {
      name: "unknown key",
      yaml: "links: [{name: a, interface: wan1}]\nbalanse: {}\n",
      line: 'unknown key "balanse"',
    },
    { name: "missing file", yaml: undefined, line: "no such file" },
  ])("$name: one pointed line, exit 1, no stack trace", async ({ name, yaml, line }) => {
    const path =
      yaml === undefined ? join(dir, "absent.yaml") : config(`${name.replaceAll(" ", "-")}.yaml`, yaml);
    const r = await wanpilot(["check-config", "--config", path]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(line);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe("");
  });
});

describe("wanpilot commands refuse what cannot work, with one line", () => {
  const base = (bus: string) =>
    `gateway: t\nlinks: [{name: a, interface: wan1}]\nruntime_dir: ${join(dir, "run")}\nbus: ${bus}\n`;

  it("broker: cannot bind → exit 1 and the reason", async () => {
    const path = config("busy.yaml", base(`{listen: "127.0.0.1:${busyPort}"}`));
    const r = await wanpilot(["broker", "--config", path]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`cannot listen on 127\\.0\\.0\\.1:${busyPort}.*EADDRINUSE`));
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("start: cannot bind → exit 1 before starting any part", async () => {
    const path = config("busy-start.yaml", base(`{listen: "127.0.0.1:${busyPort}"}`));
    const r = await wanpilot(["start", "--config", path]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/cannot listen on/);
    expect(r.stdout).not.toMatch(/child started/);
  });

  it("broker: a runtime_dir it cannot write → exit 1 and the reason", async () => {
    const path = config(
      "rundir.yaml",
      `links: [{name: a, interface: wan1}]\nruntime_dir: /etc/hostname/run\nbus: {listen: "127.0.0.1:${busyPort}"}\n`,
    );
    const r = await wanpilot(["broker", "--config", path]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe(
      "wanpilot broker: runtime_dir /etc/hostname/run cannot be created: ENOTDIR: not a directory, mkdir '/etc/hostname/run'; no secret is written there",
    );
  });

  it("broker: with bus.url there is no embedded broker to run", async () => {
    const path = config("url.yaml", base(`{url: "mqtt://127.0.0.1:1", allow_no_credentials: true}`));
    const r = await wanpilot(["broker", "--config", path]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/bus\.url is set/);
  });

  it("prober: a link that is not in the config", async () => {
    const path = config("prober.yaml", base("{}"));
    const r = await wanpilot(["prober", "--link", "zzz", "--config", path]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe(`no link "zzz" in ${path} (links: a)`);
  });

  it("an unknown command is a usage error", async () => {
    const r = await wanpilot(["frobnicate"]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/unknown command/);
  });
});

describe("wanpilot --version", () => {
  it("prints the installed version and exits 0", async () => {
    const r = await wanpilot(["--version"]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe("wanpilot reload and link without a running wanpilot", () => {
  it("say so with exit code 3", async () => {
    const path = config(
      "idle.yaml",
      `links:\n  - name: dsl\n    interface: wan1\nruntime_dir: ${join(dir, "idle-run")}\nbus:\n  listen: 127.0.0.1:${busyPort}\n`,
    );
    const reload = await wanpilot(["reload", "--config", path]);
    expect(reload.exitCode).toBe(3);
    expect(reload.stderr).toMatch(/wanpilot start is not running/);
    const link = await wanpilot(["link", "dsl", "drain", "--config", path]);
    expect(link.exitCode).toBe(3);
    expect(link.stderr).toMatch(/not running/);
  });
});
