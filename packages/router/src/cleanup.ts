import { type WanpilotConfig, WanpilotError } from "@wanpilot/common";
import type { Logger } from "pino";
import { createRunner } from "./adapters/command.js";
import { createKernel, type Kernel } from "./adapters/kernel.js";
import { forget, livePid, pidPath, rememberedSysctls, sysctlsPath } from "./adapters/runtime-files.js";
import { planCleanup } from "./core/plan.js";

/** `wanpilot cleanup`: removes every rule, route, nexthop and nft table wanpilot created; restores its sysctls. */
export async function cleanup(opts: {
  config: WanpilotConfig;
  log: Logger;
  netns?: string;
  kernel?: Kernel;
  /** Also when a router seems to run (its pid file names a live process). */
  force?: boolean;
}): Promise<{ commands: number; errors: unknown[] }> {
  const { config } = opts;
  const pid = livePid(pidPath(config));
  if (pid !== null && pid !== process.pid && opts.force !== true)
    throw new WanpilotError(
      "ROUTER_RUNNING",
      `the router is running (pid ${pid}, ${pidPath(config)}) and would put everything back: stop wanpilot first (or --force)`,
    );
  const kernel = opts.kernel ?? createKernel(createRunner(), opts.netns);
  const originals = rememberedSysctls(sysctlsPath(config));
  const cmds = planCleanup(await kernel.observe([]), originals);
  const result = await kernel.apply(cmds);
  for (const err of result.errors) opts.log.error({ err }, "cleanup command failed");
  if (result.errors.length === 0) forget(sysctlsPath(config));
  return { commands: cmds.length, errors: result.errors };
}
