import { join } from "node:path";
import { componentId, partComponents, type WanpilotConfig } from "@wanpilot/common";

/** `wanpilot start` writes its pid here, for `wanpilot reload`. */
export function pidPath(runtimeDir: string): string {
  return join(runtimeDir, "wanpilot.pid");
}

/** One process `wanpilot start` keeps running: its name (the component id) and its CLI arguments. */
export interface ChildSpec {
  name: string;
  args: string[];
  /** Sends heartbeats (a prober's LinkHealth): restarted when it goes silent. */
  heartbeat?: boolean;
  /** How much nicer than the supervisor it runs (scheduling priority: the higher, the more it yields). */
  nice?: number;
}

/**
 * The niceness of the parts off the failover path (history, Home Assistant and metrics, the page): on a busy
 * gateway, and while 20 processes load at once on a 2-core one, the probers and the router get the CPU first.
 */
export const BACKGROUND_NICE = 10;

/**
 * The router, one prober per link, then the logger, the observer and the web page (in the background). The
 * router is spawned first: a prober judges no probe until the router has installed its link's path.
 */
export function childSpecs(config: WanpilotConfig): ChildSpec[] {
  const parts = partComponents(config.links.map((l) => l.name));
  const routerFirst = [
    ...parts.filter((c) => c.kind === "router"),
    ...parts.filter((c) => c.kind !== "router"),
  ];
  return routerFirst.map((c) => ({
    name: componentId(c),
    args: c.kind === "prober" ? ["prober", "--link", c.link] : [c.kind],
    ...(c.kind === "prober" ? { heartbeat: true } : {}),
    ...(c.kind === "prober" || c.kind === "router" ? {} : { nice: BACKGROUND_NICE }),
  }));
}
