import { loadConfig } from "../config.js";
import { describeConfig } from "../core/describe-config.js";
import type { Output } from "../output.js";

/** `wanpilot check-config`: 0 and a summary of what would be set up, or 1 and one line per problem. */
export function checkConfig(out: Output, opts: { config?: string }): number {
  const loaded = loadConfig(out, opts.config);
  if (!loaded.ok) return 1;
  out.out(`${loaded.path}:`);
  for (const line of describeConfig(loaded.config)) out.out(line);
  return 0;
}
