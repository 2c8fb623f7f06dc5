import { buildTopology, startFlowServer } from "./build.js";
import { type DelaySpec, LTE_DELAY, startDelayLines } from "./delay.js";
import { LabError } from "./errors.js";
import { checkInteger, Lab } from "./lab.js";
import { newLabId } from "./names.js";
import { sweepStaleLabs } from "./namespaces.js";
import { LabResources } from "./resources.js";
import { type LabTopology, planTopology } from "./topology.js";

export interface LabOptions {
  /** Number of simulated ISPs (1..16, default 2). */
  readonly isps?: number;
  /** LAN host addresses on the LAN namespace (1..250, default 1). */
  readonly lanHosts?: number;
  /** A short label ([a-z0-9]{1,12}) added to the namespace names. */
  readonly name?: string;
  /** The gateway masquerades on every WAN (default true). */
  readonly gwMasquerade?: boolean;
  /**
   * Every WAN gets the same address (198.18.50.100/24) and the same modem address (198.18.50.1), like
   * two LTE sticks in router mode (default false).
   */
  readonly sameWanAddress?: boolean;
  /**
   * IPv6 on every link, the LAN and inet, from 2001:db8::/32 (default false): each WAN gets a global
   * address and a link-local gateway (fe80::1), as from a router advertisement.
   */
  readonly ipv6?: boolean;
  /** Start the flow server in inet (default true). */
  readonly flowServer?: boolean;
  /** First remove labs left behind by dead processes (default true; best effort). */
  readonly sweep?: boolean;
  /**
   * A delay line behind these ISPs, by name: `{ isp2: "lte" }` makes isp2 an LTE-like link (80–400 ms,
   * occasional spikes); see delay.ts. Needs python3.
   */
  readonly delay?: Readonly<Record<string, DelaySpec | "lte">>;
}

/** Builds a lab; on any failure, removes whatever was already created and rethrows. */
export async function createLab(options: LabOptions = {}): Promise<Lab> {
  const isps = checkInteger(options.isps ?? 2, 1, 16, "isps");
  const lanHosts = checkInteger(options.lanHosts ?? 1, 1, 250, "lanHosts");
  const topology = planTopology(newLabId(process.pid, options.name), isps, lanHosts, {
    sameWanAddress: options.sameWanAddress ?? false,
    ipv6: options.ipv6 ?? false,
  });
  if (options.sweep ?? true) {
    // Leftovers of crashed runs are someone else's mess, never a reason to fail this lab.
    await sweepStaleLabs().catch(() => undefined);
  }
  const resources = new LabResources();
  try {
    await buildTopology(topology, resources, { gwMasquerade: options.gwMasquerade ?? true });
    if (options.flowServer ?? true) await startFlowServer(topology, resources);
    await startDelayLines(topology, resources, delayLines(topology.isps, options.delay ?? {}));
  } catch (error) {
    await resources.teardown().catch(() => undefined);
    throw error;
  }
  return new Lab(topology, resources);
}

function delayLines(
  isps: LabTopology["isps"],
  delay: Readonly<Record<string, DelaySpec | "lte">>,
): Array<{ isp: LabTopology["isps"][number]; spec: DelaySpec }> {
  return Object.entries(delay).map(([name, spec]) => {
    const isp = isps.find((i) => i.name === name);
    if (isp === undefined) throw new LabError("LAB_INVALID_OPTIONS", `delay: no ISP named ${name}`);
    return { isp, spec: spec === "lte" ? LTE_DELAY : spec };
  });
}

/** Runs `fn` with a fresh lab and always destroys it, also when `fn` throws. */
export async function withLab<T>(options: LabOptions, fn: (lab: Lab) => Promise<T>): Promise<T> {
  const lab = await createLab(options);
  try {
    return await fn(lab);
  } finally {
    await lab.destroy();
  }
}
