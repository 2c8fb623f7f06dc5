import {
  type DefaultRoute,
  type LinkOverride,
  type LinkStateName,
  markShift,
  type PortRange,
} from "@wanpilot/common";

/**
 * What wanpilot owns in the kernel, and the numbers it reserves for it. Everything it creates
 * carries routing protocol RT_PROTO (rules, routes, nexthop objects); only tagged objects are ever
 * deleted or replaced. Untagged objects in its ranges are someone else's: left alone and reported.
 */
export const PRIORITY = {
  min: 10000,
  max: 10999,
  /** `lookup main suppress_prefixlength 0`: main's specific routes (LAN, connected) win over marks. */
  suppressMain: 10000,
  /** `from <link source> lookup <link table>`: sockets bound to a link's address (only an address no other link has). */
  fromSource: 10100,
  /** `iif lo sport <link's probe ports> lookup <link table>`: the prober's socket probes (Node cannot set a mark). */
  probePorts: 10200,
  /** `fwmark <link mark>/<mask> lookup <link table>`: ICMP probes, sticky connections, rules, inbound symmetry. */
  fwmark: 10400,
  /** `lookup <balance table>`: the default route wanpilot installs. */
  balance: 10900,
} as const;

/** How link marks are spelled: `slot << shift`, inside `mask` (`balance.mark_mask`); other bits are never changed. */
export interface Marks {
  mask: number;
  shift: number;
}
export const NFT_TABLE = "wanpilot";
/** The `protocol` of wanpilot's rules, routes and nexthops: unassigned in rtnetlink.h and iproute2's rt_protos. */
export const RT_PROTO = 77;

/** Facts about a link as the router knows them now (config merged with what the prober learned). */
export interface LinkInput {
  name: string;
  state: LinkStateName;
  /** Learned or configured address of the link; null while unknown. */
  source: string | null;
  /** Learned or configured next hop; null for point-to-point links or while unknown. */
  gateway: string | null;
  /** Prefix length of `source` on the interface, when known (for the connected route). */
  prefixLength: number | null;
  /** Its prober's heartbeat is overdue (see core/stale.ts); `state` is then the last one it sent. */
  stale?: boolean;
  /**
   * False when the router's last read found the link's interface gone (a USB modem unplugged), set down or
   * without an IPv4 address: the kernel refuses and flushes routes through it, so none are asked for.
   */
  present?: boolean;
}

export interface RuleSpec {
  priority: number;
  /** "all" or an address/prefix. */
  src: string;
  /** `iif lo`: only the gateway's own packets. */
  iif?: string;
  /** A source port range (`sport 61000-61015`). */
  sport?: PortRange;
  fwmark: number | null;
  fwmask: number | null;
  table: number;
  suppressPrefixLength: number | null;
}

export interface NexthopSpec {
  gateway: string | null;
  dev: string;
  weight: number;
}

export interface RouteSpec {
  table: number;
  /** "default" or a prefix. */
  dst: string;
  type: "unicast" | "unreachable";
  metric: number;
  /** Single-path routes: one nexthop; multipath: several; unreachable: none. */
  nexthops: NexthopSpec[];
  /** Preferred source (connected routes); informational, not compared. */
  src: string | null;
  /** The route uses a nexthop object (the resilient group); `nexthops` then only describe it. */
  nhid?: number;
}

export interface LinkView {
  name: string;
  state: LinkStateName;
  table: number;
  mark: number;
  /** Carries part of the default route now. */
  active: boolean;
  /** Weight in the default route (0 when not in it). */
  weight: number;
  /** Its state says usable for new connections (flushes follow this, not staleness). */
  live: boolean;
  /** Its prober's heartbeat is overdue. */
  stale: boolean;
  /** Stale while a fresh link is live: kept out of the default route and of traffic rules. */
  demoted: boolean;
  /** The operator's override in force, if any. */
  override: LinkOverride | null;
}

export interface RuleView {
  name: string;
  via: string[];
  /** The link carrying the rule's traffic now; null when it falls back. */
  active: string | null;
  /**
   * A rule without addresses while some link has `ipv6` on: the link carrying its IPv6 traffic, by the
   * links' IPv6 state (`active` is then IPv4's); absent otherwise.
   */
  active6?: string | null;
  fallback: "balance" | "refuse";
}

/** One nexthop object: its id and the rest of its `ip nexthop` spec, in one canonical spelling. */
export interface NexthopObject {
  id: number;
  spec: string;
}

/** The `inet wanpilot` table as nft text (see nft.ts). */
export interface NftDesired {
  /** Replaces the whole table atomically. */
  text: string;
  /** Hash of everything but the via chains' contents (carried in the table comment). */
  hash: string;
  /** Via chain name → its one line and that line's tag. */
  vias: Map<string, { line: string; tag: string }>;
}

export interface DesiredState {
  marks: Marks;
  sysctls: Record<string, string>;
  rules: RuleSpec[];
  routes: RouteSpec[];
  /** Tables wanpilot fills and may flush (links' and the balance table). */
  ownedTables: number[];
  balanceTable: number;
  nft: NftDesired;
  /** Nexthop objects (only with hash: host): link members, then the resilient group. */
  nexthops: NexthopObject[];
  defaultRoute: DefaultRoute;
  links: LinkView[];
  trafficRules: RuleView[];
  /** IPv6 (links with `ipv6` on): its own rules, routes and default route; absent when no link has it. */
  v6?: Desired6;
}

/** The IPv6 family's part of the desired state: same tables, priorities and marks as IPv4, its own verdicts. */
export interface Desired6 {
  rules: RuleSpec[];
  routes: RouteSpec[];
  defaultRoute: DefaultRoute;
  /** Links with `ipv6` on, as IPv6 sees them (`state` is the IPv6 verdict). */
  links: LinkView[];
}

/** What the kernel holds now: `rules`, `routes` and `nexthops` are wanpilot's own (tagged RT_PROTO). */
export interface ObservedState {
  rules: RuleSpec[];
  routes: RouteSpec[];
  /** Hash carried in the comment of `inet wanpilot`; null when the table is absent; "" when unreadable. */
  nftHash: string | null;
  nexthops: NexthopObject[];
  /** Via chain name → the tag of its line. */
  nftVias: Record<string, string>;
  sysctls: Record<string, string>;
  /** Objects in wanpilot's ranges or tables that it did not create (untagged). */
  foreign?: ForeignObjects;
  /** wanpilot's own IPv6 rules and routes (tagged RT_PROTO); absent when not read. */
  v6?: { rules: RuleSpec[]; routes: RouteSpec[] };
}

export interface ForeignObjects {
  /** Untagged rules at priorities PRIORITY.min..max; `matchesAll`: no selector, it catches every packet. */
  rules: Array<RuleSpec & { matchesAll: boolean }>;
  /** Untagged routes outside the kernel's own tables (main, local, default). */
  routes: RouteSpec[];
  /** Untagged nexthop objects with ids in NEXTHOP_ID's range. */
  nexthops: NexthopObject[];
}

/** Effects, as data; the kernel adapter carries them out in order. */
export type Command =
  | { kind: "sysctl"; key: string; value: string }
  | { kind: "nft"; text: string }
  | { kind: "ip-batch"; lines: string[]; family?: 6 }
  | { kind: "conntrack-flush"; link: string; mark: number; mask: number; family?: "ipv6" };

/** The mark of the link in `slot` (1-based: 0 means "no link"). */
export function slotMark(slot: number, marks: Marks): number {
  return (slot * 2 ** marks.shift) >>> 0;
}

export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

export function marksOf(mask: number): Marks {
  return { mask: mask >>> 0, shift: markShift(mask) };
}
