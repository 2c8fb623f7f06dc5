import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const BIN = join(ROOT, "packages/cli/bin/wanpilot.js");

/** Every Markdown file of the repository (not node_modules, not build output). */
function markdownFiles(dir = ROOT): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name.startsWith(".") || e.name === "node_modules" || e.name === "dist") return [];
    const path = join(dir, e.name);
    if (e.isDirectory()) return markdownFiles(path);
    return e.name.endsWith(".md") ? [path] : [];
  });
}
const files = markdownFiles().map((f) => [relative(ROOT, f), readFileSync(f, "utf8")] as const);

/** Relative targets: Markdown links and images, and .md files named in text or code spans. */
function relativeTargets(text: string): string[] {
  const prose = text.replace(/```[\s\S]*?```/g, "");
  const links = [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] ?? "");
  const named = [...prose.matchAll(/(?<![\w/.:-])((?:[\w.-]+\/)*[\w-]+\.md)\b/g)].map((m) => m[1] ?? "");
  return [...links, ...named].filter((t) => t !== "" && !/^(https?:|mailto:|#)/.test(t));
}

describe("relative links in the Markdown files", () => {
  it.each(files)("%s links only to files that exist", (file, text) => {
    const dead = relativeTargets(text).filter((target) => {
      const path = decodeURIComponent(target.split("#")[0] ?? "");
      // A link resolves from the file's directory; a path named in text may also be from the repo's root.
      return !existsSync(join(ROOT, dirname(file), path)) && !existsSync(join(ROOT, path));
    });
    expect(dead).toEqual([]);
  });
});

interface Example {
  file: string;
  argv: string[];
  expected: string[];
}

/** Fenced blocks whose first line is `$ [npx] wanpilot …`: the command and what the doc says it prints. */
function examples(): Example[] {
  return files.flatMap(([file, text]) =>
    [...text.matchAll(/```[a-z]*\n\$ (?:npx )?wanpilot ([^\n]*)\n([\s\S]*?)```/g)].map((m) => ({
      file,
      argv: (m[1] ?? "").split(/\s+/),
      expected: (m[2] ?? "").replace(/\n$/, "").split("\n"),
    })),
  );
}

/**
 * Commands whose output depends on a running wanpilot (link, reload), on the machine, or that change the kernel (exec): their examples are shown, not
 * run. Every other example is run from the repository's root and must print what the doc shows.
 */
const SHOWN_NOT_RUN = new Set(["explain", "doctor", "status", "report", "link", "reload", "exec"]);

/** Doc lines against the output; a line "..." (any indentation) stands for any number of lines. */
function matches(expected: string[], actual: string[]): boolean {
  const [first, ...rest] = expected;
  if (first === undefined) return actual.length === 0;
  if (first.trim() === "...")
    return actual.some((_, i) => matches(rest, actual.slice(i))) || matches(rest, []);
  return actual[0] === first && matches(rest, actual.slice(1));
}

describe("example output in the docs is what the command prints", () => {
  const runnable = examples().filter((e) => !SHOWN_NOT_RUN.has(e.argv[0] ?? ""));

  it("there are examples to check (check-config's, at least)", () => {
    expect(runnable.filter((e) => e.argv[0] === "check-config").length).toBeGreaterThanOrEqual(2);
  });

  it.each(runnable.map((e) => [`${e.file}: wanpilot ${e.argv.join(" ")}`, e] as const))(
    "%s",
    async (_n, e) => {
      const r = await execa(process.execPath, [BIN, ...e.argv], {
        cwd: ROOT,
        reject: false,
        timeout: 30_000,
        env: { WANPILOT_CONFIG: "" },
      });
      const actual = `${r.stdout}${r.stdout && r.stderr ? "\n" : ""}${r.stderr}`.split("\n");
      expect(
        matches(e.expected, actual),
        `doc:\n${e.expected.join("\n")}\n\nprinted:\n${actual.join("\n")}`,
      ).toBe(true);
    },
  );
});
