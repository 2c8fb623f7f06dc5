import { isWanpilotError } from "@wanpilot/common";
import { cleanup } from "@wanpilot/router";
import { busUrl, createLogger } from "@wanpilot/runtime";
import { loadConfig } from "../config.js";
import type { Output } from "../output.js";
import { collectRetained } from "../status/collect.js";

/** `wanpilot cleanup`: removes every route, rule, table and nft table wanpilot owns (and nothing else). */
export async function runCleanup(out: Output, opts: { config?: string; force?: boolean }): Promise<number> {
  const loaded = loadConfig(out, opts.config);
  if (!loaded.ok) return 1;
  const { config } = loaded;
  if (opts.force !== true) {
    try {
      const snap = await collectRetained(busUrl(config), config.gateway, { maxMs: 1000 });
      if (snap.availability.get("router") === "online") {
        out.err("the router is running and would put everything back: stop wanpilot first (or --force)");
        return 1;
      }
    } catch (err: unknown) {
      if (!isWanpilotError(err, "NOT_RUNNING")) throw err;
    }
  }
  const log = createLogger({ name: "wanpilot", level: config.log_level }).child({ component: "cleanup" });
  const result = await cleanup({ config, log });
  if (result.errors.length > 0) {
    out.err(`cleanup: ${result.errors.length} of ${result.commands} changes failed (see the log above)`);
    return 1;
  }
  out.out(
    result.commands === 0
      ? "nothing of wanpilot's was left in the kernel"
      : `removed wanpilot's routing (${result.commands} changes)`,
  );
  return 0;
}
