import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfigText } from "@wanpilot/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { looksLikeCrash, pool, runCli } from "./lib/cli.js";
import { type BrokenConfig, baseConfig, brokenConfig } from "./lib/config-gen.js";
import { FULL, note, pick, SEED } from "./lib/profile.js";
import { Rng } from "./lib/rng.js";

// 500 generated broken configs (a valid config, one to three seeded mutations): every one is
// refused with a message naming the path of what is wrong, by the library and by the CLI, and
// nothing crashes.
const COUNT = 500;
const CLI_COUNT = pick(25, 150);
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "wanpilot-faults-configs-"));
});
afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const rng = new Rng(SEED);
const cases: BrokenConfig[] = Array.from({ length: COUNT }, (_, i) => brokenConfig(rng, `case${i}.yaml`));

/** Does a problem line name `path` (the path itself or something inside it)? */
function names(problems: string[], path: string): boolean {
  if (path === "") return problems.length > 0;
  if (path.endsWith(":")) return problems.some((p) => p.startsWith(path)); // YAML errors: file:line:col
  return problems.some(
    (p) => p.startsWith(`${path}:`) || p.startsWith(`${path}.`) || p.startsWith(`${path}[`),
  );
}

function describeCase(c: BrokenConfig, problems: string[]): string {
  return `mutations: ${c.mutations.join("; ")}\nexpected: ${c.expectedPaths.join(", ")}\nproblems:\n${problems.join("\n")}`;
}

describe(`${COUNT} broken configs (seed ${SEED})`, () => {
  it("the base configs are valid (so each refusal comes from the mutation)", () => {
    const r = new Rng(SEED);
    for (let i = 0; i < 20; i++) {
      const result = parseConfigText(stringify(baseConfig(r)));
      expect(result.ok ? [] : result.problems).toEqual([]);
    }
  });

  it("parseConfigText refuses each one, naming the path of the mutation", () => {
    const failures: string[] = [];
    for (const [i, c] of cases.entries()) {
      let result: ReturnType<typeof parseConfigText>;
      try {
        result = parseConfigText(c.text, `case${i}.yaml`);
      } catch (err: unknown) {
        failures.push(`#${i} threw ${String(err)}\n${describeCase(c, [])}`);
        continue;
      }
      if (result.ok) {
        failures.push(`#${i} accepted\n${describeCase(c, [])}`);
        continue;
      }
      const { problems } = result;
      const single = c.expectedPaths.length === 1;
      // With several mutations, one may hide another (cross-checks run only on a well-typed config).
      const ok = single
        ? names(problems, c.expectedPaths[0] ?? "")
        : c.expectedPaths.some((p) => names(problems, p));
      if (!ok || problems.some((p) => p.trim() === "")) failures.push(`#${i}\n${describeCase(c, problems)}`);
    }
    note("configs", `${cases.length} broken configs, ${failures.length} not refused as expected`);
    expect(failures.slice(0, 12).join("\n\n"), `${failures.length} failures`).toBe("");
  });

  it(`wanpilot check-config exits 1 with one message per problem and no stack trace (${CLI_COUNT} of them${FULL ? "" : ", short profile"})`, async () => {
    const t0 = Date.now();
    const failures: string[] = [];
    await pool(cases.slice(0, CLI_COUNT), 3, async (c, i) => {
      const path = join(dir, `case${i}.yaml`);
      writeFileSync(path, c.text);
      const r = await runCli(["check-config", "--config", path]);
      const all = `${r.stdout}\n${r.stderr}`;
      const lines = r.stderr.split("\n").filter((l) => l.trim() !== "");
      const expected = c.expectedPaths.map((p) => (p.endsWith(".yaml:") ? `${path}:` : p));
      const named = expected.some((p) => names(lines, p));
      if (r.exitCode !== 1 || looksLikeCrash(all) || !named || r.timedOut)
        failures.push(
          `#${i} exit ${String(r.exitCode)} ${r.signal ?? ""}\n${describeCase(c, lines)}\nstdout:${r.stdout}`,
        );
    });
    note(
      "configs",
      `check-config on ${CLI_COUNT} broken configs: ${Date.now() - t0} ms, ${failures.length} failures`,
    );
    expect(failures.slice(0, 3).join("\n\n"), `${failures.length} failures`).toBe("");
  });
});
