import { readFileSync } from "node:fs";
import { parseConfigText, type WanpilotConfig, WanpilotError } from "@wanpilot/common";

export const DEFAULT_CONFIG_PATH = "/etc/wanpilot/wanpilot.yaml";

/** `--config` wins, then WANPILOT_CONFIG, then the default path. */
export function resolveConfigPath(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  return flag ?? env.WANPILOT_CONFIG ?? DEFAULT_CONFIG_PATH;
}

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err: unknown) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EACCES"
          ? "permission denied"
          : code === "EISDIR"
            ? "is a directory"
            : String(code ?? err);
    throw new WanpilotError(
      "CONFIG_UNREADABLE",
      `cannot read config ${path}: ${why} (set --config PATH or WANPILOT_CONFIG)`,
      {
        cause: err,
        details: { path, problems: [`${path}: ${why}`] },
      },
    );
  }
}

/** Reads and validates a config file; throws CONFIG_UNREADABLE or CONFIG_INVALID with `details.problems` (one line each). */
export function loadConfigFile(path: string): WanpilotConfig {
  const result = parseConfigText(readText(path), path);
  if (result.ok) return result.config;
  throw new WanpilotError(
    "CONFIG_INVALID",
    `${path}: ${result.problems.length} problem(s)\n${result.problems.join("\n")}`,
    {
      details: { path, problems: result.problems },
    },
  );
}
