import { existsSync, readFileSync, statSync } from "node:fs";
import { startArgv, supervisedPart } from "./core/part-argv.js";

/** One file per long-running process (scripts/bundle.mjs): its code and libraries, loaded as one module. */
export type BundleName = "prober" | "router" | "logger" | "observer" | "web" | "start";

const BUNDLE_DIR = new URL("./bundle/", import.meta.url);
// Present in a checkout, absent from the tarball and an installed copy (whose files' times are copy times).
const SOURCE_DIR = new URL("../src/", import.meta.url);

/** The bundle that runs this argv: a part's or start's, only in the shapes of part-argv.ts; else undefined. */
export function bundleName(argv: readonly string[]): BundleName | undefined {
  if (startArgv(argv) !== undefined) return "start";
  return supervisedPart(argv)?.kind;
}

/**
 * The URL of the bundle to import for this argv, or undefined to run the compiled modules (dist): the
 * argv is another command, WANPILOT_BUNDLES=0, the bundle is not built (`tsc -b` alone), or, in a
 * checkout, it is older than one of the files it was made of (warned: `npm run build` remakes it).
 */
export function bundleUrl(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  warn: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): URL | undefined {
  const name = bundleName(argv);
  if (name === undefined || env.WANPILOT_BUNDLES === "0") return undefined;
  const file = new URL(`${name}.js`, BUNDLE_DIR);
  if (!existsSync(file)) return undefined;
  if (!existsSync(SOURCE_DIR)) return file;
  const stale = staleInput(name, statSync(file).mtimeMs);
  if (stale === undefined) return file;
  warn(
    `wanpilot: dist/bundle/${name}.js is older than ${stale}: running the compiled modules (npm run build)`,
  );
  return undefined;
}

/** An input of the bundle changed (or gone) since it was made, per the list scripts/bundle.mjs wrote. */
function staleInput(name: BundleName, builtMs: number): string | undefined {
  let inputs: string[];
  try {
    const all = JSON.parse(readFileSync(new URL("inputs.json", BUNDLE_DIR), "utf8")) as Record<
      string,
      string[]
    >;
    inputs = all[name] ?? [];
  } catch {
    return "its list of inputs (dist/bundle/inputs.json)";
  }
  for (const input of inputs) {
    const url = new URL(input, BUNDLE_DIR);
    if (!existsSync(url) || statSync(url).mtimeMs > builtMs) return input.replace(/^(\.\.\/)+/, "");
  }
  return undefined;
}
