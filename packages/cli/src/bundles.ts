import { existsSync, readFileSync, statSync } from "node:fs";
import { commandArgv, supervisedPart } from "./core/part-argv.js";

/** One file per long-running process (scripts/bundle.mjs): its code and libraries, loaded as one module. */
export type BundleName = "prober" | "router" | "logger" | "observer" | "web" | "start" | "broker";

/** Where the bundles are, and the sources whose presence marks a checkout. */
export interface BundleDirs {
  bundles: URL;
  source: URL;
}

const DIRS: BundleDirs = {
  bundles: new URL("./bundle/", import.meta.url),
  // Present in a checkout, absent from the tarball and an installed copy (whose files' times are copy times).
  source: new URL("../src/", import.meta.url),
};

/** The bundle that runs this argv: a part's, start's or the broker's, in the shapes of part-argv.ts; else undefined. */
export function bundleName(argv: readonly string[]): BundleName | undefined {
  for (const name of ["start", "broker"] as const) if (commandArgv(name, argv) !== undefined) return name;
  return supervisedPart(argv)?.kind;
}

/**
 * The URL of the bundle to import for this argv, or undefined to run the compiled modules (dist): the
 * argv is another command, WANPILOT_BUNDLES=0, the bundle is not built (`tsc -b` alone), or, in a
 * checkout, it is older than one of the files it was made of (warned: `npm run build` remakes it).
 */
export function bundleUrl(
  argv: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; warn?: (line: string) => void; dirs?: BundleDirs } = {},
): URL | undefined {
  const { env = process.env, dirs = DIRS } = opts;
  const warn = opts.warn ?? ((line: string) => process.stderr.write(`${line}\n`));
  const name = bundleName(argv);
  if (name === undefined || env.WANPILOT_BUNDLES === "0") return undefined;
  const file = new URL(`${name}.js`, dirs.bundles);
  if (!existsSync(file)) return undefined;
  if (!existsSync(dirs.source)) return file;
  const stale = staleInput(dirs.bundles, name, statSync(file).mtimeMs);
  if (stale === undefined) return file;
  warn(
    `wanpilot: dist/bundle/${name}.js is older than ${stale}: running the compiled modules (npm run build)`,
  );
  return undefined;
}

/** An input of the bundle changed (or gone) since it was made, per the list scripts/bundle.mjs wrote. */
function staleInput(dir: URL, name: BundleName, builtMs: number): string | undefined {
  let inputs: string[];
  try {
    const all = JSON.parse(readFileSync(new URL("inputs.json", dir), "utf8")) as Record<string, string[]>;
    inputs = all[name] ?? [];
  } catch {
    return "its list of inputs (dist/bundle/inputs.json)";
  }
  for (const input of inputs) {
    const url = new URL(input, dir);
    if (!existsSync(url) || statSync(url).mtimeMs > builtMs) return input.replace(/^(\.\.\/)+/, "");
  }
  return undefined;
}
