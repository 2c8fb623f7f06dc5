import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfigText } from "@wanpilot/common";
import type { Command } from "commander";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { bundleName } from "../packages/cli/src/bundles.js";
import { buildProgram } from "../packages/cli/src/program.js";
import { BACKGROUND_NICE } from "../packages/cli/src/supervisor/children.js";
import {
  CHILD_ENV,
  CHILD_NODE_FLAGS,
  SUPERVISOR_NODE_FLAGS,
} from "../packages/cli/src/supervisor/supervisor.js";

const root = new URL("../", import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), "utf8");
const program = buildProgram({ out: () => undefined, err: () => undefined }, { code: 0 });

/** Holds an argv (without the program name) against the real command tree: command, options, required ones. */
function checkArgv(argv: string[]): string {
  const [name, ...rest] = argv;
  const cmd = program.commands.find((c: Command) => c.name() === name);
  if (cmd === undefined) return `no command ${String(name)}`;
  const known = new Map(cmd.options.map((o) => [o.long ?? "", o]));
  for (let i = 0; i < rest.length; i++) {
    const opt = known.get(rest[i] ?? "");
    if (opt === undefined) return `${String(name)}: unknown argument ${String(rest[i])}`;
    if (opt.required || opt.optional) i++;
  }
  for (const o of cmd.options)
    if (o.mandatory && !rest.includes(o.long ?? "")) return `${String(name)}: missing ${String(o.long)}`;
  return "ok";
}

interface ComposeService {
  command: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  network_mode?: string;
  cap_add?: string[];
  volumes: string[];
  environment: Record<string, string>;
}

const compose = parse(read("docker-compose.yml"), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const services = Object.entries(compose.services);
const exampleConfig = parseConfigText(read("examples/two-links.yaml"));

describe("docker-compose.yml", () => {
  it.each(services)("%s runs a real wanpilot command, from its bundle", (_name, svc) => {
    expect(checkArgv(svc.command)).toBe("ok");
    expect(bundleName(svc.command)).toBe(svc.command[0]);
  });

  it("has the broker, one prober per link of the example config, the router, the logger, the observer and the web page", () => {
    if (!exampleConfig.ok) throw new Error(exampleConfig.problems.join("\n"));
    const parts = services.map(([, s]) => s.command.join(" ")).sort();
    const expected = [
      "broker",
      "logger",
      "observer",
      "router",
      "web",
      ...exampleConfig.config.links.map((l) => `prober --link ${l.name}`),
    ].sort();
    expect(parts).toEqual(expected);
  });

  it.each(services)(
    "%s: host network, config and state volumes, config path in the environment",
    (_n, svc) => {
      expect(svc.network_mode).toBe("host");
      expect(svc.environment.WANPILOT_CONFIG).toBe("/etc/wanpilot/wanpilot.yaml");
      const targets = svc.volumes.map((v) => v.split(":")[1]);
      expect(targets).toEqual(
        expect.arrayContaining(["/etc/wanpilot/wanpilot.yaml", "/run/wanpilot", "/var/lib/wanpilot"]),
      );
    },
  );

  it.each(services)("%s: NET_ADMIN and NET_RAW exactly where the kernel is touched", (_n, svc) => {
    const touchesKernel = svc.command[0] === "prober" || svc.command[0] === "router";
    expect([...(svc.cap_add ?? [])].sort()).toEqual(touchesKernel ? ["NET_ADMIN", "NET_RAW"] : []);
  });
});

describe("the container image (deploy/Dockerfile, .dockerignore)", () => {
  const dockerfile = read("deploy/Dockerfile");
  const stages = [...dockerfile.matchAll(/^FROM \S+(?: AS (\S+))?$/gm)];
  const final = dockerfile.slice(dockerfile.lastIndexOf("\nFROM "));
  const jsonArgv = (line: RegExp) => JSON.parse(line.exec(final)?.[1] ?? "null") as string[] | null;

  it("is built in stages: compilers only in the build stage, the packed program in the final one", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(stages[0]?.[1]).toBe("build");
    expect(final).toMatch(/COPY --from=build /);
    expect(final).not.toMatch(/\b(g\+\+|make|python3)\b/);
    for (const pkg of ["iproute2", "nftables", "conntrack", "iputils-ping", "procps"])
      expect(final).toContain(pkg);
  });

  it("runs the launcher the package puts in place, and checks its health with a real command", () => {
    const entry = jsonArgv(/^ENTRYPOINT (\[.*\])$/m);
    // The flag the command's #! line passes (a small young generation: the broker's memory under attack).
    expect(entry).toEqual([
      "node",
      "--max-semi-space-size=1",
      "/usr/lib/wanpilot/packages/cli/bin/wanpilot.js",
    ]);
    const health = jsonArgv(/^\s+CMD (\[.*\])$/m) ?? [];
    expect(health.slice(0, 2)).toEqual(["node", "/usr/lib/wanpilot/packages/cli/bin/wanpilot.js"]);
    expect(checkArgv(health.slice(2))).toBe("ok");
    // The environment `wanpilot start` gives its children: every part of the image runs with it.
    for (const [k, v] of Object.entries(CHILD_ENV)) expect(final).toMatch(new RegExp(`^ENV ${k}=${v}$`, "m"));
  });

  it(".dockerignore keeps installed, built and secret files out of the build context", () => {
    const ignored = read(".dockerignore").split("\n");
    for (const p of [".git", "node_modules", "**/node_modules", "**/dist", "*.tar.gz", "wanpilot.yaml"])
      expect(ignored).toContain(p);
  });

  it("compose: the broker has a healthcheck of a real command; every other part waits for it to be healthy", () => {
    for (const [name, svc] of services) {
      if (svc.command[0] === "broker") {
        const test = svc.healthcheck?.test ?? [];
        expect(test.slice(0, 3)).toEqual(["CMD", "node", "/usr/lib/wanpilot/packages/cli/bin/wanpilot.js"]);
        expect(checkArgv(test.slice(3))).toBe("ok");
      } else expect(svc.depends_on, name).toEqual({ broker: { condition: "service_healthy" } });
    }
  });

  it("compose says which sysctls to set on the host (containers cannot)", () => {
    const text = read("docker-compose.yml");
    for (const k of ["net.ipv4.ip_forward=1", "net.ipv4.fib_multipath_hash_policy=1", "rp_filter=2"])
      expect(text).toContain(k);
  });
});

/** A systemd unit file as section → key → values (repeated keys accumulate). */
function parseUnit(text: string): Record<string, Record<string, string[]>> {
  const out: Record<string, Record<string, string[]>> = {};
  let section = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const head = /^\[(.+)\]$/.exec(line);
    if (head) {
      section = head[1] ?? "";
      out[section] = {};
      continue;
    }
    const eq = line.indexOf("=");
    const key = line.slice(0, eq);
    const sec = out[section] ?? {};
    sec[key] = [...(sec[key] ?? []), line.slice(eq + 1)];
    out[section] = sec;
  }
  return out;
}

const unitDir = new URL("deploy/systemd/", root);
const services_ = readdirSync(unitDir)
  .filter((f) => f.endsWith(".service"))
  .map((f) => [f, parseUnit(readFileSync(new URL(f, unitDir), "utf8"))] as const);

describe("deploy/systemd units", () => {
  it("cover start and every part", () => {
    expect(services_.map(([f]) => f).sort()).toEqual([
      "wanpilot-broker.service",
      "wanpilot-logger.service",
      "wanpilot-observer.service",
      "wanpilot-prober@.service",
      "wanpilot-router.service",
      "wanpilot-web.service",
      "wanpilot.service",
    ]);
  });

  it.each(services_)("%s runs real wanpilot commands", (_f, unit) => {
    const svc = unit.Service ?? {};
    const lines = [...(svc.ExecStart ?? []), ...(svc.ExecStartPre ?? [])];
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      const [node, ...rest] = line.replaceAll("%i", "dsl").split(/\s+/);
      expect(node).toBe("/usr/bin/node");
      const at = rest.indexOf("/usr/bin/wanpilot");
      const flags = rest.slice(0, Math.max(at, 0));
      const [bin, ...argv] = rest.slice(Math.max(at, 0));
      expect(bin).toBe("/usr/bin/wanpilot");
      expect(checkArgv(argv)).toBe("ok");
      // A part alone gets the flags `wanpilot start` gives its children; start passes them on itself
      // and runs with those of the command's #! line.
      const part = argv[0] !== "start" && argv[0] !== "check-config";
      expect(flags).toEqual(part ? CHILD_NODE_FLAGS : argv[0] === "start" ? SUPERVISOR_NODE_FLAGS : []);
      // Every long-running command runs from its bundle (dist/bundle), as under `wanpilot start`.
      expect(bundleName(argv)).toBe(argv[0] === "check-config" ? undefined : argv[0]);
    }
    expect(svc.Environment).toContain("WANPILOT_CONFIG=/etc/wanpilot/wanpilot.yaml");
    // The environment `wanpilot start` gives its children (and, in wanpilot.service, start itself).
    for (const [k, v] of Object.entries(CHILD_ENV)) expect(svc.Environment, _f).toContain(`${k}=${v}`);
    // The parts `wanpilot start` runs in the background run so as units too.
    const background = /wanpilot-(logger|observer|web)\.service/.test(_f);
    expect(svc.Nice ?? [], _f).toEqual(background ? [String(BACKGROUND_NICE)] : []);
  });

  it.each(services_)("%s: capabilities only through the ambient set, bounded, never as root", (_f, unit) => {
    const svc = unit.Service ?? {};
    const exec = (svc.ExecStart ?? []).join(" ");
    const touchesKernel = / (start|prober|router)\b/.test(exec);
    const ambient = (svc.AmbientCapabilities ?? []).join(" ");
    const bounding = (svc.CapabilityBoundingSet ?? []).join(" ");
    expect(svc.User).toEqual(["wanpilot"]);
    expect(ambient).toBe(touchesKernel ? "CAP_NET_ADMIN CAP_NET_RAW" : "");
    expect(bounding).toBe(ambient);
    expect(svc.SecureBits ?? []).toEqual([]);
    // File capabilities (setcap on node) would be ignored under NoNewPrivileges; ambient ones are not.
    expect(JSON.stringify(unit)).not.toMatch(/setcap/);
  });
});

const hasSystemdAnalyze = (await execa("systemd-analyze", ["--version"], { reject: false })).exitCode === 0;

describe.skipIf(!hasSystemdAnalyze)("deploy/systemd units under systemd-analyze verify", () => {
  it("have no problem but the wanpilot command not being installed here", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wanpilot-units-"));
    try {
      for (const f of readdirSync(unitDir)) copyFileSync(new URL(f, unitDir), join(dir, f));
      const units = ["wanpilot.service", "wanpilot-broker.service", "wanpilot-router.service"]
        .concat(["wanpilot-logger.service", "wanpilot-observer.service", "wanpilot-prober@dsl.service"])
        .concat(["wanpilot-web.service"])
        .concat(["wanpilot-parts.target"])
        .map((u) => join(dir, u));
      const r = await execa("systemd-analyze", ["verify", ...units], { reject: false, timeout: 30_000 });
      const problems = `${r.stdout}\n${r.stderr}`
        .split("\n")
        .filter((l) => l.trim() !== "" && !/Command \/usr\/bin\/wanpilot is not executable/.test(l));
      expect(problems).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
