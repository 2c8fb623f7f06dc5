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
}

/** One prober per link, the router, the logger and the observer, in that order. */
export function childSpecs(config: WanpilotConfig): ChildSpec[] {
  return partComponents(config.links.map((l) => l.name)).map((c) => ({
    name: componentId(c),
    args: c.kind === "prober" ? ["prober", "--link", c.link] : [c.kind],
    ...(c.kind === "prober" ? { heartbeat: true } : {}),
  }));
}
