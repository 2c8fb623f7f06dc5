import type { WanpilotConfig } from "@wanpilot/common";

/** One process `wanpilot start` keeps running: its name (the component id) and its CLI arguments. */
export interface ChildSpec {
  name: string;
  args: string[];
}

/** One prober per link, the router, the logger and the observer, in that order. */
export function childSpecs(config: WanpilotConfig): ChildSpec[] {
  return [
    ...config.links.map((l) => ({ name: `prober/${l.name}`, args: ["prober", "--link", l.name] })),
    { name: "router", args: ["router"] },
    { name: "logger", args: ["logger"] },
    { name: "observer", args: ["observer"] },
  ];
}
