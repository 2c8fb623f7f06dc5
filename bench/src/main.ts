/**
 * `npm run bench` [--quick] [--only <scenario>[,<scenario>…]] [--out <file>]: measures wanpilot in lab
 * namespaces, writes bench/results.json and prints a table with the machine it ran on.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "./args.js";
import type { BenchResults } from "./results.js";
import { machineInfo } from "./results.js";
import { runScenario, type Scenario } from "./scenario.js";
import { SCENARIOS } from "./scenarios/index.js";
import { formatReport } from "./table.js";

const DEFAULT_OUT = fileURLToPath(new URL("../results.json", import.meta.url));

function refusal(): string | undefined {
  if (process.platform !== "linux")
    return `npm run bench builds network namespaces: it needs Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0)
    return "npm run bench builds network namespaces: it needs root (try: sudo npm run bench)";
  return undefined;
}

async function main(): Promise<number> {
  const args = parseArgs(
    process.argv.slice(2),
    SCENARIOS.map((s) => s.name),
    DEFAULT_OUT,
  );
  if (typeof args === "string") {
    process.stderr.write(`${args}\n`);
    return 2;
  }
  if (args.list) {
    for (const s of SCENARIOS) process.stdout.write(`${s.name.padEnd(12)} ${s.title}\n`);
    return 0;
  }
  if (args.table !== undefined) {
    process.stdout.write(`${formatReport(JSON.parse(readFileSync(args.table, "utf8")) as BenchResults)}\n`);
    return 0;
  }
  const refused = refusal();
  if (refused !== undefined) {
    process.stderr.write(`${refused}\n`);
    return 1;
  }
  const chosen: Scenario[] = SCENARIOS.filter((s) => args.only === undefined || args.only.includes(s.name));
  const started = Date.now();
  const progress = (m: string) =>
    process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${m}\n`);
  const results: BenchResults = {
    schema: "wanpilot-bench/1",
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
    quick: args.quick,
    date: new Date(started).toISOString(),
    machine: machineInfo(),
    durationMs: 0,
    scenarios: [],
  };
  for (const s of chosen) {
    progress(`${s.name}: ${s.title}`);
    results.scenarios.push(await runScenario(s, { quick: args.quick, progress }));
    results.durationMs = Date.now() - started;
    writeFileSync(args.out, `${JSON.stringify(results, null, 2)}\n`);
  }
  process.stdout.write(`${formatReport(results)}\n`);
  progress(`done; results in ${args.out}`);
  return results.scenarios.some((s) => s.error !== undefined) ? 1 : 0;
}

// exit (not die) on a signal: the labs' exit handlers then remove their namespaces
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => process.exit(130));

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
