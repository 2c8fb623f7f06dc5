import type { WanpilotConfig } from "@wanpilot/common";
import type { Logger } from "pino";
import { createRunner } from "./adapters/command.js";
import { createKernel, type Kernel } from "./adapters/kernel.js";
import { planCleanup } from "./core/plan.js";

/** `wanpilot cleanup`: removes every rule, route and nft table wanpilot owns. Sysctls are left. */
export async function cleanup(opts: {
  config: WanpilotConfig;
  log: Logger;
  netns?: string;
  kernel?: Kernel;
}): Promise<{ commands: number; errors: unknown[] }> {
  const kernel = opts.kernel ?? createKernel(createRunner(), opts.netns);
  const cmds = planCleanup(await kernel.observe([]));
  const result = await kernel.apply(cmds);
  for (const err of result.errors) opts.log.error({ err }, "cleanup command failed");
  return { commands: cmds.length, errors: result.errors };
}
