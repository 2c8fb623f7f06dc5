import { type LinkStateName, validateConfig, type WanpilotConfig } from "@wanpilot/common";
import type { LinkInput } from "./model.js";

// Fixtures for the core's table tests (no I/O).
export function config(extra: Record<string, unknown> = {}, links?: unknown[]): WanpilotConfig {
  const r = validateConfig({
    links: links ?? [
      { name: "dsl", interface: "wan1", weight: 1 },
      { name: "cable", interface: "wan2", weight: 4 },
      { name: "lte", interface: "wwan0", tier: 2 },
    ],
    ...extra,
  });
  if (!r.ok) throw new Error(r.problems.join("; "));
  return r.config;
}

const IFS: Record<string, [string, string]> = {
  dsl: ["198.18.1.2", "198.18.1.1"],
  cable: ["198.18.2.2", "198.18.2.1"],
  lte: ["198.18.3.2", "198.18.3.1"],
};

export function inputs(states: Record<string, LinkStateName>): LinkInput[] {
  return Object.entries(states).map(([name, state]) => ({
    name,
    state,
    source: IFS[name]?.[0] ?? null,
    gateway: IFS[name]?.[1] ?? null,
    prefixLength: 30,
  }));
}
