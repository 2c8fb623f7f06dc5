import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { LabError } from "./errors.js";

export type LabScript = "flow-server" | "flow-client" | "udp-flows";

/**
 * Path of a helper script's compiled JavaScript. Tests load the lab from source (src/*.ts), but
 * the scripts run in separate `node` processes, which need the build in dist/.
 */
export function scriptPath(script: LabScript): string {
  const here = import.meta.url;
  const url = here.endsWith(".ts") ? new URL(`../dist/${script}.js`, here) : new URL(`./${script}.js`, here);
  const path = fileURLToPath(url);
  if (!existsSync(path)) {
    throw new LabError(
      "LAB_SCRIPT_MISSING",
      `${path} is missing: build the lab first (npx tsc -b packages/lab)`,
    );
  }
  return path;
}
