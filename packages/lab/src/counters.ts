import type { Lab } from "./lab.js";

/** What crossed one WAN interface of the gateway since the counters were installed. */
export interface WanCount {
  /** IP bytes (headers included) both ways. */
  bytes: number;
  packets: number;
  /** ICMP echo requests the gateway itself sent out of it (probes). */
  echoRequests: number;
  /** ICMPv6 echo requests the gateway itself sent out of it (IPv6 probes). */
  echoRequests6: number;
}

const TABLE = "labcount";
/** IPv6's echo requests, in a table of their own (the IPv4 table's byte counts stay IPv4's). */
const TABLE6 = "labcount6";

/**
 * nftables counters on the gateway's WAN interfaces, in a table of their own in the lab's gateway
 * namespace (wanpilot's router replaces only its own table). Counts IP packets in both directions,
 * forwarded and the gateway's own; the echo requests it sends (ICMP and ICMPv6) are counted apart.
 */
export class WanCounters {
  private constructor(
    private readonly lab: Lab,
    private readonly interfaces: readonly string[],
  ) {}

  static async install(lab: Lab): Promise<WanCounters> {
    const wans = lab.isps.map((i) => i.wanInterface);
    const rules = wans.flatMap((w) => [
      `add rule ip ${TABLE} count_in iifname "${w}" counter comment "${w} in"`,
      `add rule ip ${TABLE} count_out oifname "${w}" counter comment "${w} out"`,
      `add rule ip ${TABLE} count_out oifname "${w}" icmp type echo-request counter comment "${w} echo"`,
      `add rule ip ${TABLE} count_fwd oifname "${w}" counter comment "${w} fwd"`,
    ]);
    const script = [
      `add table ip ${TABLE}`,
      `add chain ip ${TABLE} count_in { type filter hook input priority -400; }`,
      `add chain ip ${TABLE} count_out { type filter hook output priority -400; }`,
      `add chain ip ${TABLE} count_fwd { type filter hook forward priority -400; }`,
      // forwarded replies coming in from the WAN
      ...wans.map((w) => `add rule ip ${TABLE} count_fwd iifname "${w}" counter comment "${w} fwdin"`),
      ...rules,
      `add table ip6 ${TABLE6}`,
      `add chain ip6 ${TABLE6} count_out { type filter hook output priority -400; }`,
      ...wans.map(
        (w) =>
          `add rule ip6 ${TABLE6} count_out oifname "${w}" icmpv6 type echo-request counter comment "${w} echo6"`,
      ),
    ].join("\n");
    await lab.gwExec(["nft", "-f", "-"], { input: `${script}\n` });
    return new WanCounters(lab, wans);
  }

  /** The counts per WAN interface now. */
  async read(): Promise<Record<string, WanCount>> {
    const list = async (family: string, table: string) =>
      (
        JSON.parse(await this.lab.gwExec(["nft", "-j", "list", "table", family, table])) as {
          nftables: Array<{ rule?: NftRule }>;
        }
      ).nftables;
    const items = [...(await list("ip", TABLE)), ...(await list("ip6", TABLE6))];
    const counts: Record<string, WanCount> = Object.fromEntries(
      this.interfaces.map((w) => [w, { bytes: 0, packets: 0, echoRequests: 0, echoRequests6: 0 }]),
    );
    for (const { rule } of items) {
      const [wan, kind] = (rule?.comment ?? "").split(" ");
      const c = rule?.expr.find((e) => e.counter !== undefined)?.counter;
      const slot = wan === undefined ? undefined : counts[wan];
      if (slot === undefined || c === undefined) continue;
      if (kind === "echo") slot.echoRequests += c.packets;
      else if (kind === "echo6") slot.echoRequests6 += c.packets;
      else {
        slot.bytes += c.bytes;
        slot.packets += c.packets;
      }
    }
    return counts;
  }
}

interface NftRule {
  comment?: string;
  expr: Array<{ counter?: { packets: number; bytes: number } }>;
}
