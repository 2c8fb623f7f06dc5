import type { FlowServerConfig } from "./flow-protocol.js";
import { ipv6AddressBatches, ipv6RouteBatches, ipv6Sysctls } from "./ipv6.js";
import type { LabProcess } from "./process.js";
import type { LabResources } from "./resources.js";
import { renderGwRuleset, renderInetRuleset, renderIspRuleset } from "./rulesets.js";
import { ipBatch, nftApply, sysctlSet } from "./run.js";
import { scriptPath } from "./scripts.js";
import {
  addressBatches,
  allNamespaces,
  baseSysctls,
  gwWanSysctls,
  type LabTopology,
  linkBatches,
  type NamespaceBatch,
  routeBatches,
} from "./topology.js";
import { waitForAllLinksUp } from "./wan-link.js";

export interface BuildOptions {
  readonly gwMasquerade: boolean;
}

const SERVER_READY_TIMEOUT_MS = 10_000;
const LINKS_UP_TIMEOUT_MS = 5_000;

async function batches(list: readonly NamespaceBatch[]): Promise<void> {
  await Promise.all(list.map((batch) => ipBatch(batch.ns, batch.lines)));
}

/**
 * Builds the topology of packages/lab/README.md inside fresh namespaces. Nothing here touches the host namespace:
 * every command is `ip netns add`, `ip -n <ns>` or `ip netns exec <ns>`, and veth peers are
 * created directly inside the namespaces.
 */
export async function buildTopology(
  t: LabTopology,
  resources: LabResources,
  options: BuildOptions,
): Promise<void> {
  const namespaces = allNamespaces(t);
  await Promise.all(namespaces.map((name) => resources.addNamespace(name)));
  const v6 = t.ipv6;
  await Promise.all(
    namespaces.map((name) =>
      sysctlSet(name, [...baseSysctls(t, name), ...(v6 === undefined ? [] : ipv6Sysctls(t, name))]),
    ),
  );
  await batches(linkBatches(t));
  await batches(addressBatches(t));
  if (v6 !== undefined) await batches(ipv6AddressBatches(t, v6));
  // Carrier comes up asynchronously (linkwatch); routes and callers want links that are really up.
  await Promise.all(namespaces.map((name) => waitForAllLinksUp(name, LINKS_UP_TIMEOUT_MS)));
  await sysctlSet(t.ns.gw, gwWanSysctls(t));
  await batches(routeBatches(t));
  if (v6 !== undefined) await batches(ipv6RouteBatches(t, v6));
  await Promise.all([
    nftApply(t.ns.gw, renderGwRuleset(options.gwMasquerade)),
    nftApply(t.ns.inet, renderInetRuleset([])),
    ...t.isps.map((isp) =>
      nftApply(
        isp.ns,
        renderIspRuleset({ ...isp, inboundPorts: t.inboundPorts, lossPercent: 0, upstreamCut: false }),
      ),
    ),
  ]);
}

/** Starts the flow server in the inet namespace and waits until it listens. */
export async function startFlowServer(t: LabTopology, resources: LabResources): Promise<LabProcess> {
  const config: FlowServerConfig = {
    tcpPort: t.server.tcpPort,
    udpPort: t.server.udpPort,
    udpAddresses: [
      t.server.address,
      ...t.targets,
      ...(t.ipv6 === undefined ? [] : [t.ipv6.server, ...t.ipv6.targets]),
    ],
    peers: Object.fromEntries(
      t.isps.flatMap((isp) => [
        [isp.publicAddress, isp.name],
        ...(isp.ipv6 === undefined ? [] : [[isp.ipv6.upAddress, isp.name]]),
      ]),
    ),
    dualStack: t.ipv6 !== undefined,
  };
  const server = resources.spawn(
    ["ip", "netns", "exec", t.ns.inet, process.execPath, scriptPath("flow-server"), JSON.stringify(config)],
    { timeoutMs: 0 },
  );
  await server.waitForLine((line) => line.includes('"ready"'), SERVER_READY_TIMEOUT_MS);
  return server;
}
