import { setTimeout as sleep } from "node:timers/promises";
import { LabError } from "./errors.js";
import { run } from "./run.js";

export interface WanLinkState {
  /** False when the interface shows NO-CARRIER. */
  readonly carrier: boolean;
  /** The kernel's operstate: "UP", "DOWN", "LOWERLAYERDOWN", … */
  readonly operstate: string;
  readonly flags: readonly string[];
}

export async function wanLinkState(ns: string, ifname: string): Promise<WanLinkState> {
  const { stdout } = await run(["ip", "-n", ns, "-json", "link", "show", "dev", ifname]);
  const [link] = JSON.parse(stdout) as Array<{ flags?: string[]; operstate?: string }>;
  const flags = link?.flags ?? [];
  return { carrier: !flags.includes("NO-CARRIER"), operstate: link?.operstate ?? "UNKNOWN", flags };
}

/** Polls (every 20 ms, bounded by `timeoutMs`) until the interface's state satisfies `ready`. */
export async function waitForWanLink(
  ns: string,
  ifname: string,
  ready: (state: WanLinkState) => boolean,
  timeoutMs: number,
): Promise<WanLinkState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await wanLinkState(ns, ifname);
    if (ready(state)) return state;
    if (Date.now() > deadline) {
      throw new LabError("LAB_TIMEOUT", `${ifname} in ${ns} stayed ${state.operstate} for ${timeoutMs} ms`);
    }
    await sleep(20);
  }
}

/** Polls until every interface but lo in `ns` is operationally UP (bounded by `timeoutMs`). */
export async function waitForAllLinksUp(ns: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { stdout } = await run(["ip", "-n", ns, "-json", "link", "show"]);
    const links = JSON.parse(stdout) as Array<{ ifname?: string; operstate?: string }>;
    const down = links.filter((link) => link.ifname !== "lo" && link.operstate !== "UP");
    if (down.length === 0) return;
    if (Date.now() > deadline) {
      const names = down.map((link) => `${link.ifname} ${link.operstate}`).join(", ");
      throw new LabError("LAB_TIMEOUT", `links in ${ns} not up after ${timeoutMs} ms: ${names}`);
    }
    await sleep(20);
  }
}
