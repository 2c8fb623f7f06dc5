import { WanpilotError } from "@wanpilot/common";
import { run } from "@wanpilot/prober";
import { partMain } from "./part-main.js";

/** `wanpilot prober --link X` in one file (dist/bundle/prober.js): the prober and all it imports. */
export const main = partMain("prober", (component) => (opts) => {
  if (component.kind !== "prober") throw new WanpilotError("USAGE", `not a prober: ${component.kind}`);
  return run({ ...opts, link: component.link });
});
