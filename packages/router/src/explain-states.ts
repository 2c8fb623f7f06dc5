import { type LinkState, linkAddresses, type WanpilotConfig } from "@wanpilot/common";
import { computeDesired } from "./core/desired.js";
import { type ExplainQuery, type Explanation, explain } from "./core/explain.js";
import { linkInput } from "./core/state.js";

/** `wanpilot explain`: from the link states now (e.g. the retained ones on the bus). */
export function explainFromStates(
  config: WanpilotConfig,
  states: LinkState[],
  query: ExplainQuery,
): Explanation {
  // No kernel read here: learned values are taken as they are (explain changes nothing).
  const inputs = config.links.map((l) => {
    const state = states.find((s) => s.link === l.name);
    const { source, gateway } = linkAddresses(l, state);
    const seen =
      source === null ? [] : [{ local: source, prefixLength: state?.prefixLength ?? 32, peer: gateway }];
    return linkInput(l, state, seen);
  });
  return explain(config, computeDesired(config, inputs, null), query);
}
