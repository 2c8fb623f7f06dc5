import { fileURLToPath } from "node:url";

/** A compiled helper script of this package (the processes in a lab run dist/, built by `tsc -b`). */
export function scriptPath(
  relative: "baseline/run.js" | "scripts/connect-loop.js" | "scripts/bus-tap.js",
): string {
  return fileURLToPath(new URL(`./${relative}`, import.meta.url));
}
