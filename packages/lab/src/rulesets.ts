import { LabError } from "./errors.js";

/**
 * The lab's nftables rules. Each namespace holds one table, `inet wanpilot_lab`, always rewritten
 * whole and atomically by `nft -f -`; wanpilot's own tables live beside it untouched.
 */
export const LAB_TABLE = "wanpilot_lab";

export interface IspImpairment {
  /** Round-trip loss in percent (0..100) that a ping across the WAN link sees. */
  readonly lossPercent: number;
  /** Everything on the upstream link is dropped silently; the modem still answers. */
  readonly upstreamCut: boolean;
  /** Only this family's upstream traffic is dropped (a per-family ISP fault); both when absent. */
  readonly upstreamCutFamily?: "ipv4" | "ipv6" | null;
}

export interface IspRulesetInput extends IspImpairment {
  readonly modemInterface: string;
  readonly upInterface: string;
  readonly gwAddress: string;
  readonly inboundPorts: { readonly first: number; readonly last: number };
}

const LOSS_SCALE = 10_000;

/**
 * Per-direction drop threshold out of 10 000 for a round-trip loss of `percent`: a ping survives
 * only if both the request and the reply do, so each direction drops 1 - sqrt(1 - p).
 */
export function lossThreshold(percent: number): number {
  if (!Number.isFinite(percent) || percent < 0 || percent > 100) {
    throw new LabError("LAB_INVALID_OPTIONS", `loss: ${percent} must be a percentage between 0 and 100`);
  }
  return Math.round((1 - Math.sqrt(1 - percent / 100)) * LOSS_SCALE);
}

function table(body: readonly string[]): string {
  // Declaring the table first makes the delete succeed on the first run too; nft applies the file atomically.
  return [
    `table inet ${LAB_TABLE}`,
    `delete table inet ${LAB_TABLE}`,
    `table inet ${LAB_TABLE} {`,
    ...body,
    "}",
    "",
  ].join("\n");
}

function chain(name: string, hook: string, rules: readonly string[]): string[] {
  return [`  chain ${name} {`, `    ${hook}; policy accept;`, ...rules.map((rule) => `    ${rule}`), "  }"];
}

export function renderIspRuleset(input: IspRulesetInput): string {
  const threshold = lossThreshold(input.lossPercent);
  const dropIn: string[] = [];
  const dropOut: string[] = [];
  if (input.upstreamCut) {
    const family = input.upstreamCutFamily ? ` meta nfproto ${input.upstreamCutFamily}` : "";
    dropIn.push(`iifname "${input.upInterface}"${family} drop`);
    dropOut.push(`oifname "${input.upInterface}"${family} drop`);
  }
  if (threshold > 0) {
    // nft refuses a comparison numgen can never fail, so total loss is a plain drop.
    const random = threshold >= LOSS_SCALE ? "" : ` numgen random mod ${LOSS_SCALE} < ${threshold}`;
    dropIn.push(`iifname "${input.modemInterface}"${random} drop`);
    dropOut.push(`oifname "${input.modemInterface}"${random} drop`);
  }
  const ports = `${input.inboundPorts.first}-${input.inboundPorts.last}`;
  return table([
    ...chain("impair_in", "type filter hook prerouting priority raw", dropIn),
    ...chain("impair_out", "type filter hook postrouting priority 300", dropOut),
    ...chain("inbound", "type nat hook prerouting priority dstnat", [
      `iifname "${input.upInterface}" meta l4proto { tcp, udp } th dport ${ports} dnat ip to ${input.gwAddress}`,
    ]),
    ...chain("outbound", "type nat hook postrouting priority srcnat", [
      `oifname "${input.upInterface}" masquerade`,
    ]),
  ]);
}

/**
 * The gateway masquerades IPv4 on every WAN, like a home router; wanpilot decides which WAN a packet takes.
 * IPv6 is never translated here: that is wanpilot's nat66, when configured.
 */
export function renderGwRuleset(masquerade: boolean): string {
  return table(
    chain(
      "outbound",
      "type nat hook postrouting priority srcnat",
      masquerade ? ['oifname "wan*" meta nfproto ipv4 masquerade'] : [],
    ),
  );
}

/** Blocked targets stop answering (silently), for probe-quorum tests. */
export function renderInetRuleset(blockedTargets: readonly string[]): string {
  const v4 = blockedTargets.filter((a) => !a.includes(":"));
  const v6 = blockedTargets.filter((a) => a.includes(":"));
  const rules = [
    ...(v4.length === 0 ? [] : [`ip daddr { ${v4.join(", ")} } drop`]),
    ...(v6.length === 0 ? [] : [`ip6 daddr { ${v6.join(", ")} } drop`]),
  ];
  return table(chain("blocked", "type filter hook input priority filter", rules));
}
