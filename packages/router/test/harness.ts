import type { LinkState, LinkStateName, WanpilotConfig } from "@wanpilot/common";
import { createLab, type Lab, type LabOptions } from "@wanpilot/lab";
import { silentLog, testConfig } from "@wanpilot/testing";
import { createRunner } from "../src/adapters/command.js";
import { createKernel, type Kernel } from "../src/adapters/kernel.js";
import { Controller, type ControllerDeps } from "../src/controller.js";

export interface LinkSpec {
  weight?: number;
  tier?: number;
  /** links[].ipv6 as written in the config */
  ipv6?: boolean | Record<string, unknown>;
}

/** A config whose links are the lab's ISPs (link i = isp(i+1)), addresses given as if learned. */
export function labConfig(lab: Lab, links: LinkSpec[], extra: Record<string, unknown> = {}): WanpilotConfig {
  return testConfig({
    links: links.map((l, i) => {
      const isp = lab.isps[i];
      if (isp === undefined) throw new Error(`lab has no ISP ${i}`);
      return { name: isp.name, interface: isp.wanInterface, ...l };
    }),
    ...extra,
  });
}

export function linkState(lab: Lab, index: number, state: LinkStateName, cause = "test"): LinkState {
  const isp = lab.isps[index];
  if (isp === undefined) throw new Error(`lab has no ISP ${index}`);
  const at = new Date().toISOString();
  return {
    link: isp.name,
    state,
    since: at,
    cause,
    interface: isp.wanInterface,
    source: isp.gwAddress,
    gateway: isp.modemAddress,
    carrier: true,
    rttMs: state === "down" ? null : 1,
    lossRatio: state === "down" ? null : 0,
    at,
  };
}

export function gwKernel(lab: Lab): Kernel {
  return createKernel(createRunner(), lab.ns.gw);
}

export function controller(
  lab: Lab,
  config: WanpilotConfig,
  more: Pick<ControllerDeps, "rememberSysctls"> = {},
): Controller {
  let n = 0;
  return new Controller({
    config,
    log: silentLog,
    kernel: gwKernel(lab),
    now: () => new Date(),
    newId: () => `test-event-${String(++n).padStart(4, "0")}`,
    ...more,
  });
}

/** Feeds every link's state and waits until the kernel holds the result. */
export async function setStates(lab: Lab, c: Controller, states: LinkStateName[]): Promise<void> {
  const runs = states.map((s, i) => c.onLinkState(linkState(lab, i, s)));
  await Promise.all(runs.filter((p) => p !== null));
}

/** The gateway's lab runs without its own masquerade: wanpilot's nft table must do it. */
export function newLab(opts: LabOptions): Promise<Lab> {
  return createLab({ gwMasquerade: false, ...opts });
}

export function share(byIsp: Readonly<Record<string, number>>, isp: string): number {
  const total = Object.values(byIsp).reduce((a, b) => a + b, 0);
  return total === 0 ? 0 : (byIsp[isp] ?? 0) / total;
}

export async function ipRules(lab: Lab): Promise<string[]> {
  return (await lab.exec(lab.ns.gw, ["ip", "rule", "show"])).trim().split("\n");
}
