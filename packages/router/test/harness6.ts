import type { LinkState6, LinkStateName } from "@wanpilot/common";
import type { Lab } from "@wanpilot/lab";
import type { Controller } from "../src/controller.js";
import { linkState } from "./harness.js";

/** Link `index`'s IPv6 state as its prober would publish it (the lab's WAN address, the modem's link-local). */
export function linkState6(lab: Lab, index: number, state: LinkStateName, cause = "test"): LinkState6 {
  const v6 = lab.isps[index]?.ipv6;
  if (v6 === undefined) throw new Error(`lab ISP ${index} has no IPv6 (createLab({ ipv6: true }))`);
  return {
    ...linkState(lab, index, state, cause),
    family: "ipv6",
    source: v6.gwAddress,
    gateway: v6.modemLinkLocal,
  };
}

/** Feeds every link's IPv6 state and waits until the kernel holds the result. */
export async function setStates6(lab: Lab, c: Controller, states: LinkStateName[]): Promise<void> {
  const runs = states.map((s, i) => c.onLinkState6(linkState6(lab, i, s)));
  await Promise.all(runs.filter((p) => p !== null));
}

/** The lab's IPv6 flow server. */
export function server6(lab: Lab): string {
  const server = lab.ipv6?.server;
  if (server === undefined) throw new Error("lab has no IPv6");
  return server;
}
