import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { LabError } from "./errors.js";
import type { LabProcess } from "./process.js";
import type { LabResources } from "./resources.js";
import { ipBatch, sysctlSet } from "./run.js";
import type { IspInfo, LabTopology } from "./topology.js";

/** Delay each packet base + uniform(0, jitter), and a spike of spike..2·spike on top of a share of them. */
export interface DelaySpec {
  readonly baseMs: number;
  readonly jitterMs: number;
  readonly spikeRatio: number;
  readonly spikeMs: number;
}

/** An LTE-like link: 80–400 ms, 0.5 % of packets 400–800 ms later (the prober's simulation uses the same). */
export const LTE_DELAY: DelaySpec = { baseMs: 80, jitterMs: 320, spikeRatio: 0.005, spikeMs: 400 };

/** At most this many packets held at once per delay line (more are dropped): a flood cannot eat memory. */
const MAX_QUEUE = 10_000;
const READY_TIMEOUT_MS = 10_000;
/** Policy-rule preference of the delay rules; the local table's rule moves behind them. */
const RULE_PREF = 10;
const LOCAL_PREF = 100;
/** Where the targets and test servers live (lab.md). */
const INTERNET_HOSTS = "203.0.113.0/24";

function scriptFile(): string {
  // packages/lab/{src,dist}/delay.* → packages/lab/scripts/delay-line.py
  const path = fileURLToPath(new URL("../scripts/delay-line.py", import.meta.url));
  if (!existsSync(path)) throw new LabError("LAB_SCRIPT_MISSING", `${path} is missing`);
  return path;
}

/**
 * Puts a delay line on the way in to the internet from each given ISP. In the inet namespace, packets
 * arriving from the ISP (`iif isp<n>`) are routed into a TUN device (`dly<n>i`); a user-space process
 * (scripts/delay-line.py, python3) holds each one for a drawn delay and writes it to a second TUN
 * (`dly<n>o`), where the kernel delivers it. Only packets to 203.0.113.0/24 (targets, servers) are delayed. Replies go back undelayed: the one draw is the whole
 * extra RTT. The local table's rule moves behind the delay rules, or packets to local targets would
 * never reach them. Everything lives in the lab's inet namespace and goes with it.
 */
export async function startDelayLines(
  t: LabTopology,
  resources: LabResources,
  delays: ReadonlyArray<{ isp: IspInfo; spec: DelaySpec }>,
): Promise<LabProcess[]> {
  if (delays.length === 0) return [];
  await ipBatch(t.ns.inet, [`rule add pref ${LOCAL_PREF} lookup local`, "rule del pref 0 lookup local"]);
  const script = scriptFile();
  return Promise.all(
    delays.map(async ({ isp, spec }) => {
      const n = isp.index + 1;
      const dev = { in: `dly${n}i`, out: `dly${n}o` };
      const config = { ...dev, ...spec, seed: n, maxQueue: MAX_QUEUE, lifetimeS: 24 * 3600 };
      const line = resources.spawn(
        ["ip", "netns", "exec", t.ns.inet, "python3", script, JSON.stringify(config)],
        { timeoutMs: 0 },
      );
      await line.waitForLine((l) => l === "ready", READY_TIMEOUT_MS);
      const table = 200 + n;
      // Toward the TUN the kernel forwards (the target is not reached through the local table first).
      await sysctlSet(t.ns.inet, [`net.ipv4.conf.${isp.inetInterface}.forwarding=1`]);
      await ipBatch(t.ns.inet, [
        `link set ${dev.in} up`,
        `link set ${dev.out} up`,
        `route add default dev ${dev.in} table ${table}`,
        // Only toward the internet's hosts: the ARP of the ISP's own next hop is routed too (and must stay local).
        `rule add pref ${RULE_PREF} iif ${isp.inetInterface} to ${INTERNET_HOSTS} lookup ${table}`,
      ]);
      return line;
    }),
  );
}
