import { markShift } from "./balance.js";
import type { LinkConfig } from "./link.js";

/**
 * How wanpilot tells links apart in the kernel, whatever their addresses: two LTE sticks may hand the
 * gateway the same address and the same gateway address, so neither may be used as a link's identity.
 * A link is its interface plus a mark (ICMP probes carry it, `ip rule fwmark` routes it) and a small
 * range of local ports (socket probes bind one; `ip rule iif lo sport` routes it: Node cannot set SO_MARK).
 * Both follow the link's slot (the router's marks and priorities too), which belongs to the link's name.
 */
/**
 * Local ports of the socket probes: above the kernel's default ephemeral range (32768–60999), so no
 * other program is handed one of them by the kernel. 16 per link: 283 slots fit below 65536 (MAX_LINKS is 100).
 */
export const PROBE_PORTS = { first: 61000, perLink: 16 } as const;

export interface PortRange {
  first: number;
  last: number;
}

export interface LinkIdentity {
  name: string;
  interface: string;
  /** The link's slot, from 1: kept per name (see `allocateSlots`); the config position without a table. */
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

/**
 * A link's slot (1-based) gives its mark, rule priorities, nexthop id and probe ports. Slots belong to
 * link names: a link keeps its slot across reorders, additions and removals of others, so a restarted
 * router sends a sticky connection out of the same link and a prober's mark stays the router's.
 */
export type SlotTable = Record<string, number>;

/** Previous slots kept for names still configured; new names take the lowest free slot (config order). */
export function allocateSlots(names: readonly string[], previous: SlotTable, capacity: number): SlotTable {
  const out: SlotTable = {};
  const taken = new Set<number>();
  for (const name of names) {
    const slot = previous[name];
    if (slot !== undefined && Number.isInteger(slot) && slot >= 1 && slot <= capacity && !taken.has(slot)) {
      out[name] = slot;
      taken.add(slot);
    }
  }
  let next = 1;
  for (const name of names) {
    if (out[name] !== undefined) continue;
    while (taken.has(next)) next++;
    out[name] = next;
    taken.add(next);
  }
  return out;
}

/**
 * The identity of the link named `name`; undefined when the config has no such link. `slots` is the
 * table the router and the probers share (`linkSlots` in runtime); without it, the config position.
 */
export function linkIdentity(
  config: IdentityConfig,
  name: string,
  slots?: SlotTable,
): LinkIdentity | undefined {
  const index = config.links.findIndex((l) => l.name === name);
  const link = config.links[index];
  if (link === undefined) return undefined;
  const slot = slots?.[name] ?? index + 1;
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
