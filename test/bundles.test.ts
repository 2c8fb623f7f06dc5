import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type BundleDirs, bundleName, bundleUrl } from "../packages/cli/src/bundles.js";

// The parts and `start` run from dist/bundle (packages/cli/scripts/bundle.mjs, part of `npm run build`).

describe("bundleName: which argv runs from a bundle", () => {
  it.each([
    { argv: ["prober", "--link", "dsl", "--config", "/c.yaml"], expected: "prober" },
    { argv: ["prober", "--link", "dsl"], expected: "prober" },
    { argv: ["router"], expected: "router" },
    { argv: ["web", "--config", "/c.yaml"], expected: "web" },
    { argv: ["start"], expected: "start" },
    { argv: ["start", "--config", "/c.yaml"], expected: "start" },
    { argv: ["start", "-c", "/c.yaml"], expected: undefined },
    { argv: ["start", "--help"], expected: undefined },
    { argv: ["status", "--json"], expected: undefined },
    { argv: ["router", "--help"], expected: undefined },
    { argv: [], expected: undefined },
  ])("$argv → $expected", ({ argv, expected }) => {
    expect(bundleName(argv)).toBe(expected);
  });
});

describe("bundleUrl: a bundle only while it is as new as what it was made of", () => {
  let dir: string;
  let dirs: BundleDirs;
  let warnings: string[];
  const input = () => join(dir, "common", "dist", "index.js");
  const bundle = () => join(dir, "cli", "dist", "bundle", "router.js");
  const url = (argv: string[], env: NodeJS.ProcessEnv = {}) =>
    bundleUrl(argv, { env, dirs, warn: (l) => warnings.push(l) })?.href;
  const at = (path: string, s: number) => utimesSync(path, s, s);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "wanpilot-bundles-"));
    for (const d of ["common/dist", "cli/dist/bundle", "cli/src"])
      mkdirSync(join(dir, d), { recursive: true });
    writeFileSync(input(), "export {};\n");
    writeFileSync(bundle(), "export {};\n");
    writeFileSync(
      join(dir, "cli/dist/bundle/inputs.json"),
      JSON.stringify({ router: ["../../../common/dist/index.js"] }),
    );
    dirs = {
      bundles: pathToFileURL(join(dir, "cli/dist/bundle/")),
      source: pathToFileURL(join(dir, "cli/src/")),
    };
    warnings = [];
    at(input(), 1_000_000);
    at(bundle(), 2_000_000);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("runs the bundle made after its inputs, and never one for another command", () => {
    expect(url(["router", "--config", "/c.yaml"])).toBe(pathToFileURL(bundle()).href);
    expect(url(["status"])).toBeUndefined();
    expect(warnings).toEqual([]);
  });

  it("runs the compiled modules, saying why, once an input is newer (tsc -b after npm run build)", () => {
    at(input(), 3_000_000);
    expect(url(["router"])).toBeUndefined();
    expect(warnings).toEqual([
      "wanpilot: dist/bundle/router.js is older than common/dist/index.js: running the compiled modules (npm run build)",
    ]);
  });

  it("runs the compiled modules when an input is gone, the bundle is missing, or WANPILOT_BUNDLES=0", () => {
    expect(url(["router"], { WANPILOT_BUNDLES: "0" })).toBeUndefined();
    expect(url(["logger"])).toBeUndefined();
    rmSync(input());
    expect(url(["router"])).toBeUndefined();
    expect(warnings).toHaveLength(1);
  });

  it("trusts the bundle where there are no sources (the tarball, an installed copy: copy times)", () => {
    at(input(), 3_000_000);
    rmSync(join(dir, "cli/src"), { recursive: true });
    expect(url(["router"])).toBe(pathToFileURL(bundle()).href);
    expect(warnings).toEqual([]);
  });
});

describe("the built bundles", () => {
  const built: BundleDirs = {
    bundles: new URL("../packages/cli/dist/bundle/", import.meta.url),
    source: new URL("../packages/cli/src/", import.meta.url),
  };
  it.each(["prober", "router", "logger", "observer", "web", "start"])(
    "%s: chosen for its argv, and it runs it (reads the config as the CLI does)",
    async (name) => {
      const argv = name === "prober" ? ["prober", "--link", "dsl"] : [name];
      const url = bundleUrl(argv, { env: {}, dirs: built });
      expect(url?.pathname, "not built or stale: npm run build").toMatch(
        new RegExp(`/dist/bundle/${name}\\.js$`),
      );
      const run = async (config: string) => {
        const js = `const { main } = await import(${JSON.stringify(url?.href)}); process.exitCode = await main(${JSON.stringify([...argv, "--config", config])});`;
        const r = await execa(process.execPath, ["--input-type=module", "-e", js], {
          reject: false,
          timeout: 30_000,
        });
        return { exitCode: r.exitCode, stderr: r.stderr };
      };
      const missing = join(tmpdir(), `wanpilot-no-such-config-${process.pid}.yaml`);
      expect(await run(missing)).toEqual({ exitCode: 1, stderr: `${missing}: no such file` });
      // A YAML config (a unit's): the YAML parser's own bundle loads on demand and says what is wrong.
      const dir = mkdtempSync(join(tmpdir(), "wanpilot-bundle-yaml-"));
      try {
        const bad = join(dir, "wanpilot.yaml");
        writeFileSync(bad, "gateway: [unclosed\n");
        const r = await run(bad);
        expect(r.exitCode).toBe(1);
        expect(r.stderr).toMatch(/^\S+wanpilot\.yaml:2:1: Flow sequence in block collection/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
