import { isWanpilotError, type WanpilotConfig } from "@wanpilot/common";
import { loadConfigText, resolveConfigPath } from "@wanpilot/runtime";
import type { Output } from "./output.js";

export type LoadedConfig = { ok: true; path: string; config: WanpilotConfig; text: string } | { ok: false };

/**
 * Loads the config named by --config / WANPILOT_CONFIG / the default path. A user mistake is
 * printed as one line per problem (no stack trace); anything else is rethrown.
 */
export function loadConfig(out: Output, flag: string | undefined): LoadedConfig {
  const path = resolveConfigPath(flag);
  try {
    return { ok: true, path, ...loadConfigText(path) };
  } catch (err: unknown) {
    if (isWanpilotError(err, "CONFIG_INVALID") || isWanpilotError(err, "CONFIG_UNREADABLE")) {
      const problems = err.details.problems;
      const lines = Array.isArray(problems) ? problems.map(String) : [err.message];
      for (const line of lines) out.err(line);
      if (isWanpilotError(err, "CONFIG_INVALID"))
        out.err(`${path}: ${lines.length} problem${lines.length === 1 ? "" : "s"}, nothing started`);
      return { ok: false };
    }
    throw err;
  }
}
