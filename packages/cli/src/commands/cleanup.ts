import { isWanpilotError } from "@wanpilot/common";
import { cleanup } from "@wanpilot/router";
import { createLogger } from "@wanpilot/runtime";
import { loadConfig } from "../config.js";
import type { Output } from "../output.js";
import { sweepStaleExecRules } from "./exec.js";

/**
 * `wanpilot cleanup`: removes every route, rule, nexthop and nft table wanpilot created (and nothing else),
 * the rules of killed `wanpilot exec`s whose commands have ended; restores its sysctls.
 */
export async function runCleanup(out: Output, opts: { config?: string; force?: boolean }): Promise<number> {
  const loaded = loadConfig(out, opts.config);
  if (!loaded.ok) return 1;
  const { config } = loaded;
  const log = createLogger({ name: "wanpilot", level: config.log_level }).child({ component: "cleanup" });
  let result: Awaited<ReturnType<typeof cleanup>>;
  try {
    // The router's pid file in runtime_dir says whether it runs: no bus read, no credentials needed.
    result = await cleanup({ config, log, force: opts.force === true });
  } catch (err: unknown) {
    if (!isWanpilotError(err, "ROUTER_RUNNING")) throw err;
    out.err(err.message);
    return 1;
  }
  // Rules of a killed `wanpilot exec` whose command has ended (those of a running one stay).
  const swept = await sweepStaleExecRules();
  const commands = result.commands + swept.length;
  if (swept.length > 0) log.info({ uids: swept }, "rules of killed execs removed");
  if (result.errors.length > 0) {
    out.err(`cleanup: ${result.errors.length} of ${result.commands} changes failed (see the log above)`);
    return 1;
  }
  out.out(
    commands === 0
      ? "nothing of wanpilot's was left in the kernel"
      : `removed wanpilot's routing (${commands} changes${swept.length > 0 ? `, ${swept.length} killed execs' rules among them` : ""})`,
  );
  return 0;
}
