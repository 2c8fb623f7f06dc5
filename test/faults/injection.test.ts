import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatPath, validateConfig } from "@wanpilot/common";
import { createLab, type Lab } from "@wanpilot/lab";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { looksLikeCrash, WANPILOT_BIN } from "./lib/cli.js";
import { baseConfig, brokenConfig } from "./lib/config-gen.js";
import { ANY_EXIT, kernelSnapshot } from "./lib/harness.js";
import { HOSTILE_STRINGS } from "./lib/hostile.js";
import { note, pick, SEED } from "./lib/profile.js";
import { Rng } from "./lib/rng.js";
import { type CommandShim, createShim } from "./lib/shim.js";

// Strings that try to inject arguments into `ip` / `nft` (or a line into their batch scripts) are
// refused by the schema, with the path of the field; and a refused config never runs a command.

type Cfg = Record<string | number, unknown>;
type Path = Array<string | number>;

/** Sets the value at `path` inside a config object. */
function setAt(cfg: Cfg, path: Path, value: unknown): void {
  let cur = cfg;
  for (const p of path.slice(0, -1)) cur = cur[p] as Cfg;
  cur[path.at(-1) as string | number] = value;
}

const at = (path: Path): [Path, (c: Cfg, v: string) => void] => [path, (c, v) => setAt(c, path, v)];

function base(): Cfg {
  return {
    gateway: "gw",
    links: [
      {
        name: "isp1",
        interface: "wan1",
        gateway: "198.18.1.1",
        source: "198.18.1.2",
        probe: { targets: ["203.0.113.1", { host: "203.0.113.2", method: "dns", name: "t" }] },
      },
      { name: "isp2", interface: "wan2" },
    ],
    rules: [
      {
        name: "r",
        proto: "tcp",
        src: "198.18.100.0/24",
        dst: "203.0.113.0/24",
        iif: "lan0",
        dport: "80",
        sport: "1000-2000",
        via: ["isp1"],
      },
    ],
  };
}

/** Fields whose value reaches an `ip`/`nft` command (or names one): [path, setter]. */
const COMMAND_FIELDS: Array<[Path, (c: Cfg, v: string) => void]> = [
  at(["links", 0, "interface"]),
  at(["links", 0, "gateway"]),
  at(["links", 0, "source"]),
  at(["rules", 0, "src"]),
  at(["rules", 0, "dst"]),
  at(["rules", 0, "iif"]),
  at(["rules", 0, "dport"]),
  at(["rules", 0, "sport"]),
  at(["links", 0, "probe", "targets", 0]),
  at(["links", 0, "probe", "targets", 1, "query"]),
];

/** Names: they end up in nft comments, table names or topics rather than as arguments of their own. */
const NAME_FIELDS: Array<[Path, (c: Cfg, v: string) => void]> = [
  at(["gateway"]),
  [
    ["links", 0, "name"],
    (c, v) => {
      setAt(c, ["links", 0, "name"], v);
      setAt(c, ["rules", 0, "via"], [v]);
    },
  ],
  at(["rules", 0, "name"]),
  at(["links", 0, "probe", "targets", 1, "name"]),
];

const rows = (fields: typeof COMMAND_FIELDS) =>
  fields.flatMap(([path, setter]) =>
    HOSTILE_STRINGS.map((value) => ({ path: formatPath(path), setter, value })),
  );

describe("hostile strings in the config", () => {
  it("the unmodified config is valid", () => {
    expect(validateConfig(base()).ok).toBe(true);
  });

  it.each(rows(COMMAND_FIELDS))("$path = $value is refused, naming $path", ({ path, setter, value }) => {
    const cfg = base();
    setter(cfg, value);
    const r = validateConfig(cfg);
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(
        r.problems.some((p) => p.startsWith(`${path}:`)),
        r.problems.join("\n"),
      ).toBe(true);
  });

  it.each(rows(NAME_FIELDS).filter(({ value }) => !value.startsWith("-") && value !== ".."))(
    "name $path = $value is refused",
    ({ path, setter, value }) => {
      const cfg = base();
      setter(cfg, value);
      const r = validateConfig(cfg);
      expect(r.ok).toBe(false);
      if (!r.ok)
        expect(
          r.problems.some((p) => p.startsWith(`${path}`)),
          r.problems.join("\n"),
        ).toBe(true);
    },
  );

  // Found by this suite: names accepted a leading "-" ("-all", "--help"); fixed in common (30f3999)
  // for gateway ids, link names and rule names.
  const acceptedNames = (fields: typeof NAME_FIELDS) =>
    rows(fields)
      .filter(({ value }) => value.startsWith("-") || value === "..")
      .filter(({ setter, value }) => {
        const cfg = base();
        setter(cfg, value);
        return validateConfig(cfg).ok;
      })
      .map(({ path, value }) => `${path}=${value}`);

  it("gateway ids, link names and rule names refuse a leading '-'", () => {
    expect(acceptedNames(NAME_FIELDS.slice(0, 3))).toEqual([]);
  });

  // FINDING (common, low): a probe target's `name` (a label for reports) still accepts "-all",
  // "--help", ".." and "-198.18.1.1". Not seen on any command line; refused elsewhere for the same reason.
  it("probe target names refuse a leading '-' and '..'", () => {
    expect(acceptedNames(NAME_FIELDS.slice(3))).toEqual([]);
  });
});

// `wanpilot start` with a refused config, inside a lab gateway, with ip/nft/conntrack/sysctl
// replaced by logging shims: exit 1, no stack trace, not one command run, the kernel untouched.
describe("wanpilot start with a refused config (lab gateway)", () => {
  let lab: Lab;
  let dir: string;
  let shim: CommandShim;
  const START_COUNT = pick(4, 24);

  beforeAll(async () => {
    lab = await createLab({ isps: 2, name: "finj" });
    dir = mkdtempSync(join(tmpdir(), "wanpilot-faults-inj-"));
    shim = await createShim(dir);
  });
  afterAll(async () => {
    await lab?.destroy();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  /** The config's files go to our temp dir, never to /run or /var/lib. */
  function local(text: string): string {
    return text
      .replaceAll("/run/wanpilot", join(dir, "run"))
      .replaceAll("/var/lib/wanpilot/wanpilot.db", join(dir, "w.db"));
  }

  function configs(): Array<{ what: string; text: string }> {
    const rng = new Rng(SEED + 7);
    const out: Array<{ what: string; text: string }> = [];
    for (let i = 0; i < START_COUNT; i++) {
      const c = brokenConfig(rng, "x");
      out.push({ what: c.mutations.join("; "), text: local(c.text) });
    }
    for (const value of HOSTILE_STRINGS.slice(0, START_COUNT)) {
      const [path, setter] = rng.pick(COMMAND_FIELDS);
      const cfg = baseConfig(rng);
      setter(cfg, value);
      out.push({ what: `${formatPath(path)} = ${JSON.stringify(value)}`, text: local(stringify(cfg)) });
    }
    return out;
  }

  it("exits 1 without running ip/nft/conntrack/sysctl; rules, routes and nft unchanged", async () => {
    const before = await kernelSnapshot(lab);
    const t0 = Date.now();
    const list = configs();
    for (const [i, c] of list.entries()) {
      const path = join(dir, `refused${i}.yaml`);
      writeFileSync(path, c.text);
      shim.clear();
      const r = await lab.tryExec(
        lab.ns.gw,
        ["env", `PATH=${shim.path}`, process.execPath, WANPILOT_BIN, "start", "--config", path],
        { timeoutMs: 20_000, okExitCodes: ANY_EXIT },
      );
      const out = `${r.stdout}\n${r.stderr}`;
      expect(r.exitCode, `${c.what}\n${out}`).toBe(1);
      expect(looksLikeCrash(out), out).toBe(false);
      expect(r.stderr, c.what).toMatch(/nothing started|problem/);
      expect(shim.read(), c.what).toBe("");
      expect(existsSync(join(dir, "run", "bus.secret")), c.what).toBe(false);
    }
    expect(await kernelSnapshot(lab)).toEqual(before);
    note(
      "injection",
      `wanpilot start refused ${list.length} configs in ${Date.now() - t0} ms; kernel unchanged`,
    );
  });

  it("the shim does log what a command-running wanpilot invocation runs (so an empty log means something)", async () => {
    shim.clear();
    await lab.exec(lab.ns.gw, ["env", `PATH=${shim.path}`, "sh", "-c", "ip -4 rule show >/dev/null"]);
    expect(shim.read()).toContain("ip <-4> <rule> <show>");
  });
});
