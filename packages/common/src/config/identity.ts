import { markShift } from "./balance.js";
import type { LinkConfig } from "./link.js";

/**
 * How wanpilot tells links apart in the kernel, whatever their addresses: two LTE sticks may hand the
 * gateway the same address and the same gateway address, so neither may be used as a link's identity.
 * A link is its interface plus a mark (ICMP probes carry it, `ip rule fwmark` routes it) and a small
 * range of local ports (socket probes bind one; `ip rule iif lo sport` routes it: Node cannot set SO_MARK).
 * Both follow the link's slot: its position in the config, from 1 (the router's marks and priorities).
 */
/**
 * Local ports of the socket probes: above the kernel's default ephemeral range (32768–60999), so no
 * other program is handed one of them by the kernel. 16 per link: 283 slots fit below 65536 (links ≤ 255).
 */
export const PROBE_PORTS = { first: 61000, perLink: 16 } as const;

export interface PortRange {
  first: number;
  last: number;
}

export interface LinkIdentity {
  name: string;
  interface: string;
  /** The link's slot: its position in the config, from 1. */
  slot: number;
  /** `slot << shift` inside `balance.mark_mask`. */
  mark: number;
  markMask: number;
  /** Local ports this link's socket probes bind to. */
  probePorts: PortRange;
}

export function probePorts(slot: number): PortRange {
  const first = PROBE_PORTS.first + (slot - 1) * PROBE_PORTS.perLink;
  return { first, last: first + PROBE_PORTS.perLink - 1 };
}

export interface IdentityConfig {
  links: ReadonlyArray<Pick<LinkConfig, "name" | "interface">>;
  balance: { mark_mask: number };
}

/** The identity of the link named `name`; undefined when the config has no such link. */
export function linkIdentity(config: IdentityConfig, name: string): LinkIdentity | undefined {
  const index = config.links.findIndex((l) => l.name === name);
  const link = config.links[index];
  if (link === undefined) return undefined;
  const slot = index + 1;
  const mask = config.balance.mark_mask;
  return {
    name,
    interface: link.interface,
    slot,
    mark: (slot * 2 ** markShift(mask)) >>> 0,
    markMask: mask,
    probePorts: probePorts(slot),
  };
}

/** Socket probes of one link that can be in flight at once: each target starts one every interval. */
export function socketProbesInFlight(probe: {
  targets: ReadonlyArray<{ method: string }>;
  interval: number;
  timeout: number;
}): number {
  const sockets = probe.targets.filter((t) => t.method !== "icmp").length;
  return sockets * (Math.floor(probe.timeout / probe.interval) + 1);
}
