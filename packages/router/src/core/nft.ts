import { createHash } from "node:crypto";
import { isIpv6Rule, type TrafficRule } from "@wanpilot/common";
import { hex, type Marks, NFT_TABLE, type NftDesired } from "./model.js";

export interface NftLink {
  name: string;
  interface: string;
  mark: number;
  masquerade: boolean;
  /** nat66: the LAN's IPv6 translated to the link's address (only links with `ipv6` on). */
  masquerade6?: boolean;
  /** nat66 by NPTv6: the LAN prefix mapped 1:1 to the link's prefix, both ways (with masquerade6). */
  npt6?: { lan: string; prefix: string };
}

/** What a traffic rule does now: pin to a link's mark, let balancing decide, or refuse. */
export type RuleAction =
  | { kind: "mark"; link: string; mark: number }
  | { kind: "balance" }
  | { kind: "refuse" };

/**
 * A traffic rule's nft line and what it does. A rule without addresses is written once per family when
 * IPv6 is on (`family` set): each family's line follows that family's liveness.
 */
export interface NftRule {
  rule: TrafficRule;
  action: RuleAction;
  family?: Family;
}

type Family = "ipv4" | "ipv6";

export interface NftInput {
  links: NftLink[];
  rules: NftRule[];
  sticky: boolean;
  marks: Marks;
}

// Only wanpilot's bits change: others' marks (a VPN's, a container runtime's) stay as they were.
const keep = (m: Marks) => hex(~m.mask >>> 0);
const setMeta = (mark: number, m: Marks) => `meta mark set meta mark & ${keep(m)} | ${hex(mark)}`;
const setCt = (mark: number, m: Marks) => `ct mark set ct mark & ${keep(m)} | ${hex(mark)}`;
const ctUnmarked = (m: Marks) => `ct mark & ${hex(m.mask)} == 0x0`;
const quote = (s: string) => `"${s}"`;

function portMatch(proto: "tcp" | "udp", dir: "sport" | "dport", spec: TrafficRule["dport"]): string[] {
  return spec === undefined ? [] : [`${proto} ${dir} ${String(spec)}`];
}

/** The nft match expression of a traffic rule (family, iif, prefixes, protocol, ports). */
export function ruleMatch(rule: TrafficRule, family?: Family): string {
  const parts: string[] = [];
  if (family !== undefined) parts.push(`meta nfproto ${family}`);
  if (rule.iif !== undefined) parts.push(`iifname ${quote(rule.iif)}`);
  const ip = isIpv6Rule(rule) ? "ip6" : "ip";
  if (rule.src !== undefined) parts.push(`${ip} saddr ${rule.src}`);
  if (rule.dst !== undefined) parts.push(`${ip} daddr ${rule.dst}`);
  if (rule.proto === "tcp" || rule.proto === "udp") {
    const ports = [
      ...portMatch(rule.proto, "sport", rule.sport),
      ...portMatch(rule.proto, "dport", rule.dport),
    ];
    parts.push(...(ports.length > 0 ? ports : [`meta l4proto ${rule.proto}`]));
  } else if (rule.proto === "icmp") parts.push(`meta l4proto ${icmpProto(rule, family)}`);
  return parts.join(" ");
}

/**
 * `proto: icmp` is ICMP for IPv4 and ICMPv6 for IPv6 (another protocol number, 58): a rule of one family
 * matches its own, a rule without addresses both (the inet table sees both families).
 */
function icmpProto(rule: TrafficRule, family?: Family): string {
  const of = family ?? (rule.src === undefined && rule.dst === undefined ? null : ruleFamily(rule));
  return of === null ? "{ icmp, ipv6-icmp }" : of === "ipv6" ? "ipv6-icmp" : "icmp";
}

const ruleFamily = (rule: Pick<TrafficRule, "src" | "dst">): Family => (isIpv6Rule(rule) ? "ipv6" : "ipv4");

/** Rules sharing a via list and fallback share one small chain; only those chains change with link states. */
export function viaKey(rule: Pick<TrafficRule, "via" | "fallback" | "src" | "dst">, family?: Family): string {
  // IPv6 rules (and a rule's IPv6 line) follow their links' IPv6 state: their own chains.
  return `${rule.via.join(",")}|${rule.fallback}${(family ?? ruleFamily(rule)) === "ipv6" ? "|ipv6" : ""}`;
}

function viaLine(action: RuleAction, m: Marks): string {
  const verdict =
    action.kind === "mark"
      ? `${setMeta(action.mark, m)} return`
      : action.kind === "refuse"
        ? "drop"
        : "return";
  return `${verdict} comment ${quote(`v ${shortHash(verdict)}`)}`;
}

/** The via chains: name → their one line (carrying its own hash, read back by observers). */
export function viaChains(rules: NftInput["rules"], m: Marks): Map<string, { line: string; tag: string }> {
  const out = new Map<string, { line: string; tag: string }>();
  const names = new Map<string, string>();
  for (const { rule, action, family } of rules) {
    const key = viaKey(rule, family);
    if (names.has(key)) continue;
    const name = `via_${names.size}`;
    names.set(key, name);
    const line = viaLine(action, m);
    out.set(name, { line, tag: /comment "v ([0-9a-f]+)"/.exec(line)?.[1] ?? "" });
  }
  return out;
}

function ruleLines(rules: NftInput["rules"]): string[] {
  const names = new Map<string, string>();
  return rules.map(({ rule, family }) => {
    const key = viaKey(rule, family);
    if (!names.has(key)) names.set(key, `via_${names.size}`);
    const match = ruleMatch(rule, family);
    // goto: the via chain's verdict ends the rules chain, so the first matching rule wins.
    return `${match === "" ? "" : `${match} `}goto ${names.get(key)} comment ${quote(`rule ${rule.name}`)}`;
  });
}

function shortHash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

function restoreLines(links: NftLink[], m: Marks): string[] {
  return links.map((l) => `ct mark & ${hex(m.mask)} == ${hex(l.mark)} ${setMeta(l.mark, m)}`);
}

function body(input: NftInput, withVias: boolean): string[] {
  const m = input.marks;
  const vias = viaChains(input.rules, m);
  const wans = input.links.map((l) => quote(l.interface));
  const lan = wans.length > 0 ? `iifname != { ${wans.join(", ")} } ` : "";
  const inbound = input.links.map(
    (l) => `ct state new iifname ${quote(l.interface)} ${ctUnmarked(m)} ${setCt(l.mark, m)}`,
  );
  const save = input.sticky
    ? input.links.map((l) => `${ctUnmarked(m)} oifname ${quote(l.interface)} ${setCt(l.mark, m)}`)
    : [];
  // Per family: the inet table sees IPv6 too, and IPv6 is not wanpilot's unless configured.
  const nat = [
    ...input.links
      .filter((l) => l.masquerade)
      .map((l) => `oifname ${quote(l.interface)} meta nfproto ipv4 masquerade`),
    // nat66 only where IPv6 is configured: elsewhere IPv6 stays untouched. NPTv6 first (a nat verdict ends
    // the chain), the masquerade then covers other sources (the gateway's own, another LAN).
    ...nat66(input.links).flatMap((l) => [
      ...(l.npt6 === undefined
        ? []
        : [`oifname ${quote(l.interface)} ip6 saddr ${l.npt6.lan} snat ip6 prefix to ${l.npt6.prefix}`]),
      `oifname ${quote(l.interface)} meta nfproto ipv6 masquerade`,
    ]),
  ];
  // NPTv6 both ways: the link's prefix arriving on its WAN maps back to the LAN host (the inbound 1:1 half).
  const natIn = nat66(input.links).flatMap((l) =>
    l.npt6 === undefined
      ? []
      : [`iifname ${quote(l.interface)} ip6 daddr ${l.npt6.prefix} dnat ip6 prefix to ${l.npt6.lan}`],
  );
  const chain = (name: string, hook: string | null, lines: string[]) => [
    `  chain ${name} {`,
    ...(hook === null ? [] : [`    ${hook}`]),
    ...lines.map((l) => `    ${l}`),
    "  }",
  ];
  return [
    // Inbound symmetry first, then restore: connections arriving on a WAN are answered over it.
    ...chain("prerouting", "type filter hook prerouting priority mangle; policy accept;", [
      ...inbound,
      ...restoreLines(input.links, m),
      `${lan}${ctUnmarked(m)} jump rules`,
    ]),
    // The gateway's own connections: sticky too. Traffic rules are not applied here: the kernel chose the
    // source address before this hook, and probes must stay on their link (their own mark, or their ports).
    ...chain(
      "output",
      "type route hook output priority mangle; policy accept;",
      restoreLines(input.links, m),
    ),
    ...chain("rules", null, ruleLines(input.rules)),
    ...[...vias].flatMap(([name, v]) => chain(name, null, withVias ? [v.line] : [])),
    // Saved after the routing decision, from the interface the first packet really left by.
    ...chain("postrouting", "type filter hook postrouting priority mangle; policy accept;", save),
    ...chain("nat", "type nat hook postrouting priority srcnat; policy accept;", nat),
    ...(natIn.length === 0
      ? []
      : chain("nat_in", "type nat hook prerouting priority dstnat; policy accept;", natIn)),
  ];
}

const nat66 = (links: NftLink[]) => links.filter((l) => l.masquerade6 === true);

/** `nft -f` text that replaces `inet wanpilot` atomically; the hash in its comment tells observers it is current. */
export function renderNft(input: NftInput): NftDesired {
  const hash = shortHash(body(input, false).join("\n"));
  const text = [
    `table inet ${NFT_TABLE} {}`,
    `delete table inet ${NFT_TABLE}`,
    `table inet ${NFT_TABLE} {`,
    `  comment ${quote(`wanpilot ${hash}`)}`,
    ...body(input, true),
    "}",
    "",
  ].join("\n");
  return { text, hash, vias: viaChains(input.rules, input.marks) };
}

/** Only the via chains that differ, rewritten in one atomic `nft -f`. */
export function renderViaUpdate(changed: Array<[string, string]>): string {
  return `${changed.flatMap(([name, line]) => [`flush chain inet ${NFT_TABLE} ${name}`, `add rule inet ${NFT_TABLE} ${name} ${line}`]).join("\n")}\n`;
}

/** Reads the table hash and each via chain's tag back from `nft list table inet wanpilot` output. */
export function parseNftListing(listing: string): { hash: string; vias: Map<string, string> } {
  const hash = /comment "wanpilot ([0-9a-f]{16})"/.exec(listing)?.[1] ?? "";
  const vias = new Map<string, string>();
  for (const m of listing.matchAll(/chain (via_\d+) \{([^}]*)\}/g))
    if (m[1] !== undefined) vias.set(m[1], /comment "v ([0-9a-f]+)"/.exec(m[2] ?? "")?.[1] ?? "");
  return { hash, vias };
}
