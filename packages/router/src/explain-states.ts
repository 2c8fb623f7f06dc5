import type { LinkState, WanpilotConfig } from "@wanpilot/common";
import { computeDesired } from "./core/desired.js";
import { type ExplainQuery, type Explanation, explain } from "./core/explain.js";
import { linkInput } from "./core/state.js";

/** `wanpilot explain`: from the link states now (e.g. the retained ones on the bus). */
export function explainFromStates(
  config: WanpilotConfig,
  states: LinkState[],
  query: ExplainQuery,
): Explanation {
  const inputs = config.links.map((l) =>
    linkInput(
      config,
      l.name,
      states.find((s) => s.link === l.name),
      undefined,
    ),
  );
  return explain(config, computeDesired(config, inputs, null), query);
}
