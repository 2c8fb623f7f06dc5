import { type IspIpv6, type LabIpv6, planIspIpv6, planLabIpv6 } from "./ipv6.js";
import { type LabRole, namespaceName } from "./names.js";

/** One simulated ISP: a modem/ISP namespace between the gateway's WAN and the internet. */
export interface IspInfo {
  /** Position in `lab.isps` (0-based). */
  readonly index: number;
  /** "isp1", "isp2", …; also the name the flow server reports. */
  readonly name: string;
  /** The ISP's namespace. */
  readonly ns: string;
  /** The WAN interface in the gateway namespace ("wan1"). */
  readonly wanInterface: string;
  /** The gateway's address on the WAN link. */
  readonly gwAddress: string;
  /** The modem's address on the WAN link: the WAN's gateway (next hop). */
  readonly modemAddress: string;
  readonly prefixLength: number;
  /** The modem's interface toward the gateway, in the ISP namespace ("wan"). */
  readonly modemInterface: string;
  /** The ISP's interface toward the internet, in the ISP namespace ("upstream"). */
  readonly upInterface: string;
  /** The ISP's masqueraded address toward the internet: the peer address servers see. */
  readonly publicAddress: string;
  /** The internet's end of the upstream link (the ISP's default gateway). */
  readonly inetAddress: string;
  /** The upstream link's interface in the internet namespace ("isp1"). */
  readonly inetInterface: string;
  /** Its IPv6 addresses, in a lab created with `ipv6: true`. */
  readonly ipv6?: IspIpv6;
}

export interface LanInfo {
  /** The LAN interface in the gateway namespace. */
  readonly interface: string;
  readonly gwAddress: string;
  /** The LAN host's interface in the LAN namespace. */
  readonly hostInterface: string;
  /** The first LAN host address (the one the kernel picks as source by default). */
  readonly hostAddress: string;
  /** Every LAN host address: "hosts" are addresses of the one LAN namespace; flows pick one with `from`. */
  readonly hostAddresses: readonly string[];
  readonly network: string;
  readonly prefixLength: number;
}

export interface ServerInfo {
  readonly address: string;
  readonly tcpPort: number;
  readonly udpPort: number;
}

export interface LabNamespaces {
  readonly gw: string;
  readonly lan: string;
  readonly inet: string;
  readonly isp: readonly string[];
}

export interface LabTopology {
  readonly id: string;
  readonly ns: LabNamespaces;
  readonly isps: readonly IspInfo[];
  readonly lan: LanInfo;
  readonly targets: readonly string[];
  readonly server: ServerInfo;
  /** Ports each ISP forwards from its public address to the gateway's WAN address (an "exposed host"). */
  readonly inboundPorts: { readonly first: number; readonly last: number };
  /** IPv6 on every link, the LAN and inet (opt-in). */
  readonly ipv6?: LabIpv6;
}

/** A list of `ip -batch` lines to run in one namespace. */
export interface NamespaceBatch {
  readonly ns: string;
  readonly lines: readonly string[];
}

export const LAN_NETWORK = "198.18.100.0";

/** Every WAN's addresses with `sameWanAddress`: two look-alike modems (LTE sticks in router mode). */
export const SAME_WAN = { gwAddress: "198.18.50.100", modemAddress: "198.18.50.1" } as const;

export interface TopologyOptions {
  /** Every WAN gets the same gateway address and the same modem address (default false). */
  readonly sameWanAddress?: boolean;
  /** IPv6 too, from 2001:db8::/32 (default false). */
  readonly ipv6?: boolean;
}

export function planTopology(
  id: string,
  ispCount: number,
  lanHosts: number,
  options: TopologyOptions = {},
): LabTopology {
  const ns = (role: LabRole): string => namespaceName(id, role);
  const isps: IspInfo[] = [];
  for (let n = 1; n <= ispCount; n++) {
    isps.push({
      index: n - 1,
      name: `isp${n}`,
      ns: ns(`isp${n}`),
      wanInterface: `wan${n}`,
      gwAddress: options.sameWanAddress ? SAME_WAN.gwAddress : `198.18.${n}.2`,
      modemAddress: options.sameWanAddress ? SAME_WAN.modemAddress : `198.18.${n}.1`,
      prefixLength: 24,
      modemInterface: "wan",
      upInterface: "upstream",
      publicAddress: `198.19.${n}.2`,
      inetAddress: `198.19.${n}.1`,
      inetInterface: `isp${n}`,
      ...(options.ipv6 ? { ipv6: planIspIpv6(n, options.sameWanAddress ?? false) } : {}),
    });
  }
  const hostAddresses = Array.from({ length: lanHosts }, (_, k) => `198.18.100.${k + 2}`);
  return {
    id,
    ns: { gw: ns("gw"), lan: ns("lan"), inet: ns("inet"), isp: isps.map((isp) => isp.ns) },
    isps,
    lan: {
      interface: "lan0",
      gwAddress: "198.18.100.1",
      hostInterface: "eth0",
      hostAddress: hostAddresses[0] ?? "198.18.100.2",
      hostAddresses,
      network: `${LAN_NETWORK}/24`,
      prefixLength: 24,
    },
    targets: ["203.0.113.1", "203.0.113.2", "203.0.113.3"],
    server: { address: "203.0.113.100", tcpPort: 5001, udpPort: 5002 },
    inboundPorts: { first: 8000, last: 8999 },
    ...(options.ipv6 ? { ipv6: planLabIpv6(lanHosts) } : {}),
  };
}

export function allNamespaces(topology: LabTopology): string[] {
  return [topology.ns.gw, topology.ns.lan, topology.ns.inet, ...topology.ns.isp];
}

/**
 * Interface indexes, unique across the lab. The kernel handles a veth's carrier change at once only
 * when its ifindex differs from its peer's; otherwise linkwatch may batch it up to a second later,
 * and links of parallel labs come up slowly. Namespaces start counting at 1, so peers often clash.
 */
const IFINDEX = {
  lanHost: 8,
  lanGw: 9,
  gwWan: (n: number) => 10 + n,
  ispWan: (n: number) => 40 + n,
  ispUp: (n: number) => 70 + n,
  inetIsp: (n: number) => 100 + n,
} as const;

/** Phase 1: veth pairs, each created inside a namespace with its peer moved straight into another one. */
export function linkBatches(t: LabTopology): NamespaceBatch[] {
  const veth = (name: string, index: number, peer: string, peerIndex: number, peerNs: string): string =>
    `link add ${name} index ${index} type veth peer name ${peer} index ${peerIndex} netns ${peerNs}`;
  const gw = [
    ...t.isps.map((isp) =>
      veth(
        isp.wanInterface,
        IFINDEX.gwWan(isp.index + 1),
        isp.modemInterface,
        IFINDEX.ispWan(isp.index + 1),
        isp.ns,
      ),
    ),
    veth(t.lan.interface, IFINDEX.lanGw, t.lan.hostInterface, IFINDEX.lanHost, t.ns.lan),
  ];
  const isps = t.isps.map((isp) => ({
    ns: isp.ns,
    lines: [
      veth(
        isp.upInterface,
        IFINDEX.ispUp(isp.index + 1),
        isp.inetInterface,
        IFINDEX.inetIsp(isp.index + 1),
        t.ns.inet,
      ),
    ],
  }));
  return [{ ns: t.ns.gw, lines: gw }, ...isps];
}

/** Phase 2: addresses and link state. */
export function addressBatches(t: LabTopology): NamespaceBatch[] {
  const gw = ["link set lo up"];
  for (const isp of t.isps) {
    gw.push(`address add ${isp.gwAddress}/${isp.prefixLength} dev ${isp.wanInterface}`);
    gw.push(`link set ${isp.wanInterface} up`);
  }
  gw.push(`address add ${t.lan.gwAddress}/${t.lan.prefixLength} dev ${t.lan.interface}`);
  gw.push(`link set ${t.lan.interface} up`);

  const lan = ["link set lo up"];
  for (const host of t.lan.hostAddresses) {
    lan.push(`address add ${host}/${t.lan.prefixLength} dev ${t.lan.hostInterface}`);
  }
  lan.push(`link set ${t.lan.hostInterface} up`);

  const inet = ["link set lo up"];
  for (const address of [...t.targets, t.server.address]) inet.push(`address add ${address}/32 dev lo`);
  for (const isp of t.isps) {
    inet.push(`address add ${isp.inetAddress}/24 dev ${isp.inetInterface}`);
    inet.push(`link set ${isp.inetInterface} up`);
  }

  const isps = t.isps.map((isp) => ({
    ns: isp.ns,
    lines: [
      "link set lo up",
      `address add ${isp.modemAddress}/${isp.prefixLength} dev ${isp.modemInterface}`,
      `link set ${isp.modemInterface} up`,
      `address add ${isp.publicAddress}/24 dev ${isp.upInterface}`,
      `link set ${isp.upInterface} up`,
    ],
  }));
  return [{ ns: t.ns.gw, lines: gw }, { ns: t.ns.lan, lines: lan }, { ns: t.ns.inet, lines: inet }, ...isps];
}

/** Phase 3: default routes, once every link is up so the next hops resolve. The gateway gets none. */
export function routeBatches(t: LabTopology): NamespaceBatch[] {
  return [
    { ns: t.ns.lan, lines: [`route add default via ${t.lan.gwAddress} dev ${t.lan.hostInterface}`] },
    ...t.isps.map((isp) => ({
      ns: isp.ns,
      lines: [`route add default via ${isp.inetAddress} dev ${isp.upInterface}`],
    })),
  ];
}

/** Sysctls set before any interface exists, so new interfaces inherit `default`. */
export function baseSysctls(t: LabTopology, ns: string): string[] {
  const forwarding = ns === t.ns.gw || t.ns.isp.includes(ns);
  return [
    `net.ipv4.ip_forward=${forwarding ? 1 : 0}`,
    "net.ipv4.conf.all.rp_filter=0",
    "net.ipv4.conf.default.rp_filter=0",
  ];
}

/** Multi-WAN needs loose reverse-path filtering on the gateway's WANs (packages/lab/README.md). */
export function gwWanSysctls(t: LabTopology): string[] {
  return t.isps.map((isp) => `net.ipv4.conf.${isp.wanInterface}.rp_filter=2`);
}
