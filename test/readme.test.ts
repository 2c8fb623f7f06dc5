import { readFileSync } from "node:fs";
import { execa } from "execa";
import { describe, expect, it } from "vitest";

const root = new URL("../", import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), "utf8");
const readme = read("README.md");

/** The first ```sh block after a heading of the README. */
function commandUnder(heading: string): string {
  const at = readme.indexOf(`## ${heading}\n`);
  expect(at, `a "## ${heading}" section`).toBeGreaterThanOrEqual(0);
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(at));
  return (block?.[1] ?? "").trim();
}

/** The packages scripts/setup.sh installs (its NEED map's values). */
function setupPackages(): string[] {
  const body = /declare -A NEED=\(([\s\S]*?)\n\)/.exec(read("scripts/setup.sh"))?.[1] ?? "";
  return [...new Set([...body.matchAll(/\]=(\S+)/g)].map((m) => m[1] ?? ""))].sort();
}

describe("the README's two commands", () => {
  it("both start with scripts/setup.sh and then run the demo and the tests", () => {
    expect(commandUnder("Try it")).toBe("./scripts/setup.sh && npx wanpilot demo --fast");
    expect(commandUnder("Run the tests")).toBe("./scripts/setup.sh && npm test");
  });

  it(".ci/run runs the README's test command, exactly, and keeps no package list of its own", () => {
    const ci = read(".ci/run");
    const lines = ci.split("\n").map((l) => l.trim());
    expect(lines).toContain(commandUnder("Run the tests"));
    expect(ci).not.toMatch(/apt-get|declare -A/);
  });

  it("names every package setup.sh installs", () => {
    const pkgs = setupPackages();
    expect(pkgs.length).toBeGreaterThan(5);
    for (const p of pkgs) expect(readme).toContain(`\`${p}\``);
  });

  it("states the Node versions package.json's engines allow", () => {
    const engines = (JSON.parse(read("package.json")) as { engines: { node: string } }).engines.node;
    expect(engines).toBe(">=20.19 <21 || >=22");
    expect(readme).toMatch(/Supported: Node 20\.19\+ and 22\+/);
  });

  it("setup.sh --check finds nothing missing once setup.sh ran (CI runs it first)", async () => {
    const r = await execa("./scripts/setup.sh", ["--check"], {
      cwd: root.pathname,
      reject: false,
      timeout: 120_000,
      env: { CI: "true" },
    });
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout.trim()).toBe("setup: nothing missing");
  });
});
