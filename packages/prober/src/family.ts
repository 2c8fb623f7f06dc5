import type { LinkConfig, ProbeConfig, ProbeTarget } from "@wanpilot/common";

/** Which address family a LinkProber judges: each is probed and decided on its own. */
export type Family = "ipv4" | "ipv6";

/** What differs between the families of one link: targets, configured addresses, `ip -4/-6`. */
export interface FamilyPlan {
  family: Family;
  /** The link's probe settings with this family's targets. */
  probe: ProbeConfig;
  targets: ProbeTarget[];
  /** Configured addresses (they win over learned ones). */
  configured: { source?: string; gateway?: string };
  ipFamily: 4 | 6;
}

export function familyPlan(link: LinkConfig, family: Family): FamilyPlan {
  const v6 = family === "ipv6" ? link.ipv6 : undefined;
  const from = v6 ?? (family === "ipv6" ? { targets: [] } : link);
  const configured: { source?: string; gateway?: string } = {};
  if (from.source !== undefined) configured.source = from.source;
  if (from.gateway !== undefined) configured.gateway = from.gateway;
  const targets = v6?.targets ?? link.probe.targets;
  return {
    family,
    probe: { ...link.probe, targets },
    targets,
    configured,
    ipFamily: family === "ipv6" ? 6 : 4,
  };
}
