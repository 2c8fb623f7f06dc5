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
