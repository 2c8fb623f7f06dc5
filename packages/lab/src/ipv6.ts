import type { IspInfo, LabTopology, NamespaceBatch } from "./topology.js";

/**
 * The lab's IPv6 plan (opt-in with `ipv6: true`), only from 2001:db8::/32. Like a real ISP, each one
 * gives the gateway's WAN a global address in its own /64 and its modem answers as the IPv6 gateway on
 * its link-local address (what router advertisements hand out). Toward inet each ISP masquerades (the
 * lab's `inet` table covers both families), so the server tells ISPs apart by their upstream address;
 * inet also routes each WAN prefix back to its ISP, for inbound connections to the gateway.
 */
export interface IspIpv6 {
  /** The gateway's global address on the WAN (2001:db8:N::2). */
  readonly gwAddress: string;
  /** The modem's link-local address: the WAN's IPv6 gateway, as router advertisements give it. */
  readonly modemLinkLocal: string;
  /** The modem's global address on the WAN (2001:db8:N::1). */
  readonly modemAddress: string;
  readonly prefix: string;
  readonly prefixLength: number;
  /** The ISP's end of its upstream link (2001:db8:ffNN::2). */
  readonly upAddress: string;
  /** The internet's end of the upstream link (2001:db8:ffNN::1). */
  readonly inetAddress: string;
}

export interface LanIpv6 {
  readonly gwAddress: string;
  readonly hostAddress: string;
  readonly hostAddresses: readonly string[];
  readonly prefix: string;
  readonly prefixLength: number;
}

export interface LabIpv6 {
  readonly lan: LanIpv6;
  /** Probe targets in inet (on lo). */
  readonly targets: readonly string[];
  /** The flow server's IPv6 address (same ports as IPv4). */
  readonly server: string;
}

const pad = (n: number) => String(n).padStart(2, "0");

export function planIspIpv6(n: number, sameWanAddress: boolean): IspIpv6 {
  // Look-alike modems share one WAN prefix too; the ISPs' upstream links stay distinct.
  const wan = sameWanAddress ? "2001:db8:50" : `2001:db8:${n}`;
  return {
    gwAddress: `${wan}::2`,
    modemLinkLocal: "fe80::1",
    modemAddress: `${wan}::1`,
    prefix: `${wan}::/64`,
    prefixLength: 64,
    upAddress: `2001:db8:ff${pad(n)}::2`,
    inetAddress: `2001:db8:ff${pad(n)}::1`,
  };
}

export function planLabIpv6(lanHosts: number): LabIpv6 {
  const hostAddresses = Array.from({ length: lanHosts }, (_, k) => `2001:db8:100::${(k + 2).toString(16)}`);
  return {
    lan: {
      gwAddress: "2001:db8:100::1",
      hostAddress: hostAddresses[0] ?? "2001:db8:100::2",
      hostAddresses,
      prefix: "2001:db8:100::/64",
      prefixLength: 64,
    },
    targets: ["2001:db8:ffff::1", "2001:db8:ffff::2", "2001:db8:ffff::3"],
    server: "2001:db8:ffff::100",
  };
}

function ispV6(isp: IspInfo): IspIpv6 {
  if (isp.ipv6 === undefined) throw new Error(`${isp.name} has no IPv6 plan`);
  return isp.ipv6;
}

/** Addresses, with `nodad` so they are usable at once (no duplicate address detection in a lab). */
export function ipv6AddressBatches(t: LabTopology, v6: LabIpv6): NamespaceBatch[] {
  // `ip` takes the family from the address.
  const add = (address: string, len: number, dev: string) => `address add ${address}/${len} dev ${dev} nodad`;
  const gw = t.isps.map((isp) => add(ispV6(isp).gwAddress, 64, isp.wanInterface));
  gw.push(add(v6.lan.gwAddress, v6.lan.prefixLength, t.lan.interface));
  const lan = v6.lan.hostAddresses.map((h) => add(h, v6.lan.prefixLength, t.lan.hostInterface));
  const inet = [...v6.targets, v6.server].map((a) => add(a, 128, "lo"));
  for (const isp of t.isps) inet.push(add(ispV6(isp).inetAddress, 64, isp.inetInterface));
  const isps = t.isps.map((isp) => {
    const i = ispV6(isp);
    return {
      ns: isp.ns,
      lines: [
        add(i.modemLinkLocal, 64, isp.modemInterface),
        add(i.modemAddress, 64, isp.modemInterface),
        add(i.upAddress, 64, isp.upInterface),
      ],
    };
  });
  return [{ ns: t.ns.gw, lines: gw }, { ns: t.ns.lan, lines: lan }, { ns: t.ns.inet, lines: inet }, ...isps];
}

/** Routes: the LAN via the gateway, each ISP to inet, inet back to each ISP's customer prefix. No route in gw. */
export function ipv6RouteBatches(t: LabTopology, v6: LabIpv6): NamespaceBatch[] {
  // Look-alike WANs share a prefix: inbound to it goes by the first ISP.
  const seen = new Set<string>();
  const inet = t.isps.flatMap((isp) => {
    const { prefix, upAddress } = ispV6(isp);
    if (seen.has(prefix)) return [];
    seen.add(prefix);
    return [`route add ${prefix} via ${upAddress} dev ${isp.inetInterface}`];
  });
  return [
    { ns: t.ns.lan, lines: [`route add default via ${v6.lan.gwAddress} dev ${t.lan.hostInterface}`] },
    { ns: t.ns.inet, lines: inet },
    ...t.isps.map((isp) => ({
      ns: isp.ns,
      lines: [`route add default via ${ispV6(isp).inetAddress} dev ${isp.upInterface}`],
    })),
  ];
}

export function ipv6Sysctls(t: LabTopology, ns: string): string[] {
  const forwarding = ns === t.ns.gw || t.ns.isp.includes(ns);
  // Router advertisements are not used in the lab: addresses and routes are static.
  return [`net.ipv6.conf.all.forwarding=${forwarding ? 1 : 0}`, "net.ipv6.conf.default.accept_ra=0"];
}
