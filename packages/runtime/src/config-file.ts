import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { jsonSnapshot, parseConfigText, type WanpilotConfig, WanpilotError } from "@wanpilot/common";

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
  return loadConfigText(path).config;
}

/** Like loadConfigFile, also returning the exact text that was validated (for a snapshot). */
export function loadConfigText(path: string): { text: string; config: WanpilotConfig } {
  const text = readText(path);
  const result = parseConfigText(text, path);
  if (result.ok) return { text, config: result.config };
  throw new WanpilotError(
    "CONFIG_INVALID",
    `${path}: ${result.problems.length} problem(s)\n${result.problems.join("\n")}`,
    {
      details: { path, problems: result.problems },
    },
  );
}

/** The config `wanpilot start` validated, which every part it runs reads: edits of the file wait for a reload. */
export function snapshotPath(runtimeDir: string): string {
  return join(runtimeDir, "config.yaml");
}

/**
 * Writes the validated config atomically (temporary file, then rename), readable by root only: as
 * JSON (still YAML) where it can, so the parts read it without loading the YAML parser.
 */
export function writeConfigSnapshot(runtimeDir: string, text: string): string {
  mkdirSync(runtimeDir, { recursive: true, mode: 0o700 });
  const path = snapshotPath(runtimeDir);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, jsonSnapshot(text) ?? text, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
  return path;
}
