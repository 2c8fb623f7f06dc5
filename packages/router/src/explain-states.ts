import { type LinkState, type LinkState6, linkAddresses, type WanpilotConfig } from "@wanpilot/common";
import { computeDesired } from "./core/desired.js";
import { type ExplainQuery, type Explanation, explain } from "./core/explain.js";
import { linkInput } from "./core/inputs.js";
import type { InterfaceAddress } from "./core/parse.js";
import { linkInput6 } from "./core/state6.js";

/** `wanpilot explain`: from the link states now (e.g. the retained ones on the bus), IPv6's too. */
export function explainFromStates(
  config: WanpilotConfig,
  states: LinkState[],
  query: ExplainQuery,
  states6: LinkState6[] = [],
): Explanation {
  // No kernel read here: learned values are taken as they are (explain changes nothing).
  const seen = (source: string | null, prefixLength: number, peer: string | null): InterfaceAddress[] =>
    source === null ? [] : [{ local: source, prefixLength, peer }];
  const inputs = config.links.map((l) => {
    const state = states.find((s) => s.link === l.name);
    const { source, gateway } = linkAddresses(l, state);
    return linkInput(l, state, seen(source, state?.prefixLength ?? 32, gateway));
  });
  const inputs6 = config.links
    .filter((l) => l.ipv6 !== undefined)
    .map((l) => {
      const state = states6.find((s) => s.link === l.name);
      return linkInput6(l, state, seen(state?.source ?? null, state?.prefixLength ?? 128, null));
    });
  return explain(
    config,
    computeDesired(config, inputs, null, {}, undefined, { inputs: inputs6, last: null }),
    query,
  );
}
