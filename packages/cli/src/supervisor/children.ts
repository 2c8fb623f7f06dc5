import type { WanpilotConfig } from "@wanpilot/common";

/** One process `wanpilot start` keeps running: its name (the component id) and its CLI arguments. */
export interface ChildSpec {
  name: string;
  args: string[];
  /** Sends heartbeats (a prober's LinkHealth): restarted when it goes silent. */
  heartbeat?: boolean;
}

/** One prober per link, the router and the logger, in that order. */
export function childSpecs(config: WanpilotConfig): ChildSpec[] {
  return [
    ...config.links.map((l) => ({
      name: `prober/${l.name}`,
      args: ["prober", "--link", l.name],
      heartbeat: true,
    })),
    { name: "router", args: ["router"] },
    { name: "logger", args: ["logger"] },
  ];
}
