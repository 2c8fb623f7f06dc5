import { createHash } from "node:crypto";
import type { TrafficRule } from "@wanpilot/common";
import { hex, MARK_MASK, NFT_TABLE } from "./model.js";

export interface NftLink {
  name: string;
  interface: string;
  mark: number;
  masquerade: boolean;
}

/** What a traffic rule does now: pin to a link's mark, let balancing decide, or refuse. */
export type RuleAction =
  | { kind: "mark"; link: string; mark: number }
  | { kind: "balance" }
  | { kind: "refuse" };

export interface NftInput {
  links: NftLink[];
  rules: Array<{ rule: TrafficRule; action: RuleAction }>;
  sticky: boolean;
}

const KEEP = hex(~MARK_MASK >>> 0);
const setMeta = (mark: number) => `meta mark set meta mark & ${KEEP} | ${hex(mark)}`;
const setCt = (mark: number) => `ct mark set ct mark & ${KEEP} | ${hex(mark)}`;
const ctUnmarked = `ct mark & ${hex(MARK_MASK)} == 0x0`;
const quote = (s: string) => `"${s}"`;

function portMatch(proto: "tcp" | "udp", dir: "sport" | "dport", spec: TrafficRule["dport"]): string[] {
  return spec === undefined ? [] : [`${proto} ${dir} ${String(spec)}`];
}

/** The nft match expression of a traffic rule (iif, prefixes, protocol, ports). */
export function ruleMatch(rule: TrafficRule): string {
  const parts: string[] = [];
  if (rule.iif !== undefined) parts.push(`iifname ${quote(rule.iif)}`);
  if (rule.src !== undefined) parts.push(`ip saddr ${rule.src}`);
  if (rule.dst !== undefined) parts.push(`ip daddr ${rule.dst}`);
  if (rule.proto === "tcp" || rule.proto === "udp") {
    const ports = [
      ...portMatch(rule.proto, "sport", rule.sport),
      ...portMatch(rule.proto, "dport", rule.dport),
    ];
    parts.push(...(ports.length > 0 ? ports : [`meta l4proto ${rule.proto}`]));
  } else if (rule.proto === "icmp") parts.push("meta l4proto icmp");
  return parts.join(" ");
}

function ruleLine(rule: TrafficRule, action: RuleAction): string {
  const match = ruleMatch(rule);
  const verdict =
    action.kind === "mark" ? `${setMeta(action.mark)} return` : action.kind === "refuse" ? "drop" : "return";
  return `${match === "" ? "" : `${match} `}${verdict} comment ${quote(`rule ${rule.name}`)}`;
}

function restoreLines(links: NftLink[]): string[] {
  return links.map((l) => `ct mark & ${hex(MARK_MASK)} == ${hex(l.mark)} ${setMeta(l.mark)}`);
}

function body(input: NftInput): string[] {
  const wans = input.links.map((l) => quote(l.interface));
  const lan = wans.length > 0 ? `iifname != { ${wans.join(", ")} } ` : "";
  const inbound = input.links.map(
    (l) => `ct state new iifname ${quote(l.interface)} ${ctUnmarked} ${setCt(l.mark)}`,
  );
  const save = input.sticky
    ? input.links.map((l) => `${ctUnmarked} oifname ${quote(l.interface)} ${setCt(l.mark)}`)
    : [];
  const nat = input.links.filter((l) => l.masquerade).map((l) => `oifname ${quote(l.interface)} masquerade`);
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
      ...restoreLines(input.links),
      `${lan}${ctUnmarked} jump rules`,
    ]),
    ...chain("output", "type route hook output priority mangle; policy accept;", [
      ...restoreLines(input.links),
      `${ctUnmarked} jump rules`,
    ]),
    ...chain(
      "rules",
      null,
      input.rules.map((r) => ruleLine(r.rule, r.action)),
    ),
    // Saved after the routing decision, from the interface the first packet really left by.
    ...chain("postrouting", "type filter hook postrouting priority mangle; policy accept;", save),
    ...chain("nat", "type nat hook postrouting priority srcnat; policy accept;", nat),
  ];
}

/** `nft -f` text that replaces `inet wanpilot` atomically; the hash in its comment tells observers it is current. */
export function renderNft(input: NftInput): { text: string; hash: string } {
  const lines = body(input);
  const hash = createHash("sha256").update(lines.join("\n")).digest("hex").slice(0, 16);
  const text = [
    `table inet ${NFT_TABLE} {}`,
    `delete table inet ${NFT_TABLE}`,
    `table inet ${NFT_TABLE} {`,
    `  comment ${quote(`wanpilot ${hash}`)}`,
    ...lines,
    "}",
    "",
  ].join("\n");
  return { text, hash };
}

/** Reads the hash back from `nft list table inet wanpilot` output. */
export function parseNftHash(listing: string): string {
  return /comment "wanpilot ([0-9a-f]{16})"/.exec(listing)?.[1] ?? "";
}
