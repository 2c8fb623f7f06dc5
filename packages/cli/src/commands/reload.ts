import { readFileSync } from "node:fs";
import { DEFAULT_RUNTIME_DIR, isWanpilotError, type WanpilotConfig } from "@wanpilot/common";
import { connectOperator, loadConfigFile, resolveConfigPath, snapshotPath } from "@wanpilot/runtime";
import { parse } from "yaml";
import type { Output } from "../output.js";
import { pidPath } from "../supervisor/children.js";

/** runtime_dir even from a file that does not validate (that file is what the reload will refuse). */
function runtimeDir(path: string): string {
  try {
    const doc = parse(readFileSync(path, "utf8")) as { runtime_dir?: unknown } | null;
    if (typeof doc?.runtime_dir === "string" && doc.runtime_dir.startsWith("/")) return doc.runtime_dir;
  } catch {
    // unreadable or not YAML: the running wanpilot will say so
  }
  return DEFAULT_RUNTIME_DIR;
}

/**
 * `wanpilot reload`: SIGHUP to the running `wanpilot start`, then its verdict from the bus: exit 0 when
 * the new config was applied, 1 when it was refused (nothing changed), 3 when wanpilot is not running.
 */
export async function runReload(out: Output, opts: { config?: string }): Promise<number> {
  const path = resolveConfigPath(opts.config);
  const dir = runtimeDir(path);
  let pid: number;
  let running: WanpilotConfig;
  try {
    pid = Number(readFileSync(pidPath(dir), "utf8").trim());
    running = loadConfigFile(snapshotPath(dir));
  } catch {
    out.err(
      `wanpilot start is not running (no ${pidPath(dir)}); with the per-part units: systemctl reload wanpilot-parts.target`,
    );
    return 3;
  }
  try {
    const client = await connectOperator(running);
    try {
      const verdict = client.waitFor((op) => op.action === "reload", 15_000);
      process.kill(pid, "SIGHUP");
      const op = await verdict;
      if (op === undefined) {
        out.err(`no answer from wanpilot start (pid ${pid}) within 15 s`);
        return 1;
      }
      if (op.result === "refused") {
        out.err(`reload refused: ${op.reason}`);
        return 1;
      }
      out.out(`reloaded: ${op.reason}`);
      return 0;
    } finally {
      await client.close();
    }
  } catch (err: unknown) {
    if (isWanpilotError(err, "NOT_RUNNING") || isWanpilotError(err, "BUS_UNAVAILABLE")) {
      out.err(err.message);
      return 3;
    }
    throw err;
  }
}
