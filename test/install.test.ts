import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHILD_NODE_FLAGS } from "../packages/cli/src/supervisor/supervisor.js";

const BIN = new URL("../packages/cli/bin/wanpilot.js", import.meta.url).pathname;
const UNITS = "usr/lib/systemd/system";
/** Exposure limits the issue sets (systemd-analyze security --offline=true; lower is better). */
const LIMIT: Record<string, number> = {
  "wanpilot-broker.service": 3.5,
  "wanpilot-logger.service": 3.5,
  "wanpilot-observer.service": 3.5,
  "wanpilot-web.service": 3.5,
  "wanpilot-router.service": 5.0,
  "wanpilot-prober@.service": 5.0,
  "wanpilot.service": 5.0,
};

let root = "";
const wanpilot = (...args: string[]) =>
  execa(process.execPath, [BIN, ...args], { reject: false, timeout: 120_000, env: { WANPILOT_CONFIG: "" } });
const unitFiles = () => readdirSync(join(root, UNITS)).filter((f) => f.endsWith(".service"));
const unitText = (f: string) => readFileSync(join(root, UNITS, f), "utf8");
const values = (text: string, key: string) =>
  text
    .split("\n")
    .filter((l) => l.startsWith(`${key}=`))
    .map((l) => l.slice(key.length + 1));

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "wanpilot-root-"));
  const r = await wanpilot("install", "--root", root);
  expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("wanpilot install --root <scratch>", () => {
  it("puts the program, /usr/bin/wanpilot, the user and group, the units and a config skeleton there", () => {
    expect(readlinkSync(join(root, "usr/bin/wanpilot"))).toBe(
      "/usr/lib/wanpilot/packages/cli/bin/wanpilot.js",
    );
    expect(existsSync(join(root, "usr/lib/wanpilot/packages/cli/bin/wanpilot.js"))).toBe(true);
    expect(readFileSync(join(root, "etc/passwd"), "utf8")).toMatch(/^wanpilot:x:\d+:\d+:/m);
    expect(readFileSync(join(root, "etc/group"), "utf8")).toMatch(/^wanpilot:x:\d+:/m);
    expect(lstatSync(join(root, "etc/wanpilot/wanpilot.yaml")).mode & 0o777).toBe(0o640);
    expect(unitFiles().sort()).toEqual(
      Object.keys(LIMIT)
        .filter((u) => existsSync(new URL(`../deploy/systemd/${u}`, import.meta.url)))
        .sort(),
    );
    // No sources, tests, benchmarks or development tools in the installed program.
    const lib = join(root, "usr/lib/wanpilot");
    expect(existsSync(join(lib, "packages/cli/src"))).toBe(false);
    expect(existsSync(join(lib, "bench"))).toBe(false);
    expect(existsSync(join(lib, "node_modules/typescript"))).toBe(false);
  });

  it("the installed copy runs on its own (check-config of the skeleton)", async () => {
    const r = await execa(
      process.execPath,
      [
        join(root, "usr/lib/wanpilot/packages/cli/bin/wanpilot.js"),
        "check-config",
        "-c",
        join(root, "etc/wanpilot/wanpilot.yaml"),
      ],
      { reject: false, timeout: 60_000 },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/configuration is valid/);
  });

  it("every part: memory flags, a writable runtime directory, Restart=always; parts wait for a ready broker", () => {
    for (const f of unitFiles()) {
      const text = unitText(f);
      expect(values(text, "Restart"), f).toEqual(["always"]);
      expect(values(text, "RuntimeDirectory"), f).toEqual(["wanpilot"]);
      expect(values(text, "RuntimeDirectoryPreserve"), f).toEqual(["yes"]);
      if (f === "wanpilot.service") continue;
      const exec = values(text, "ExecStart")[0] ?? "";
      expect(exec.startsWith(`${process.execPath} ${CHILD_NODE_FLAGS.join(" ")} /usr/bin/wanpilot `), f).toBe(
        true,
      );
      if (f === "wanpilot-broker.service") {
        expect(values(text, "Type")).toEqual(["notify"]);
        expect(values(text, "NotifyAccess")).toEqual(["all"]);
      } else {
        expect(values(text, "Requires"), f).toEqual(["wanpilot-broker.service"]);
        expect(values(text, "After")[0], f).toMatch(/^wanpilot-broker\.service\b/);
      }
    }
  });

  it("systemd-analyze verify finds nothing wrong with the installed units", async () => {
    // A template is verified as an instance (systemd finds the template beside it).
    const units = [...unitFiles(), "wanpilot-parts.target"].map((f) =>
      join(root, UNITS, f.replace("@.", "@dsl.")),
    );
    const r = await execa("systemd-analyze", ["verify", ...units], {
      reject: false,
      timeout: 60_000,
    });
    expect(`${r.stdout}\n${r.stderr}`.trim()).toBe("");
    expect(r.exitCode).toBe(0);
  });

  it.each(Object.keys(LIMIT))(
    "systemd-analyze security --offline=true: %s within its exposure limit",
    async (u) => {
      const path = join(root, UNITS, u);
      if (!existsSync(path)) return; // the observer unit comes with the observer part
      const r = await execa("systemd-analyze", ["security", "--offline=true", path], {
        reject: false,
        timeout: 60_000,
      });
      const level = /Overall exposure level for \S+: (\d+\.\d+)/.exec(r.stdout)?.[1];
      expect(level, r.stdout + r.stderr).toBeDefined();
      expect(Number(level)).toBeLessThanOrEqual(LIMIT[u] ?? 0);
    },
  );
});

describe("wanpilot uninstall --root <scratch>", () => {
  it("removes what install put there, keeps the config; --purge takes it too", async () => {
    const r = await wanpilot("uninstall", "--root", root);
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(existsSync(join(root, "usr/lib/wanpilot"))).toBe(false);
    expect(existsSync(join(root, "usr/bin/wanpilot"))).toBe(false);
    expect(readdirSync(join(root, UNITS))).toEqual([]);
    expect(existsSync(join(root, "etc/wanpilot/wanpilot.yaml"))).toBe(true);
    expect(r.stdout).not.toMatch(/routing/);
    const p = await wanpilot("uninstall", "--root", root, "--purge");
    expect(p.exitCode, p.stderr).toBe(0);
    expect(existsSync(join(root, "etc/wanpilot"))).toBe(false);
  });
});
