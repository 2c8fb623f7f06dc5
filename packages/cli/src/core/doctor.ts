import type { WanpilotConfig } from "@wanpilot/common";
import { NFT_TABLE, PRIORITY, RT_PROTO } from "@wanpilot/router";

/** What `wanpilot doctor` learned about the machine (gathered by doctor/gather.ts; no I/O here). */
export interface DoctorFacts {
  nodeVersion: string;
  /** Version line of each tool, null when it is not installed. */
  tools: Record<ToolName, string | null>;
  kernel: { nexthops: boolean; multipathHash: boolean; nftInet: boolean; ctMark: boolean };
  /** /proc/sys/net can be written (it cannot in an unprivileged container). */
  sysctlsWritable: boolean;
  /** Base chains on the forward hook, of any table. */
  forwardChains: Array<{ family: string; table: string; chain: string; policy: string }>;
  /** Default routes of the main table. */
  defaultRoutes: Array<{ family: 4 | 6; dev: string; metric: number }>;
  /** Global IPv4 addresses per interface. */
  addresses: Array<{ dev: string; address: string }>;
  interfaces: string[];
  rules: Array<{
    priority: number;
    table: number | null;
    fwmark: number | null;
    fwmask: number | null;
    /** The rule's routing protocol; wanpilot tags its own RT_PROTO. */
    protocol?: number | null;
    /** No selector at all: the rule catches every packet. */
    matchesAll?: boolean;
  }>;
  /** nft statements outside wanpilot's table that set a packet or connection mark to a constant. */
  markSets: Array<{
    family: string;
    table: string;
    chain: string;
    key: "meta mark" | "ct mark";
    value: number;
  }>;
  timeSynchronised: boolean | null;
}

export type ToolName = "ip" | "nft" | "conntrack" | "ping";
export type FindingLevel = "ok" | "info" | "warning" | "error";

export interface Finding {
  check: string;
  level: FindingLevel;
  /** What was found, for people. */
  message: string;
  /** What to do about it (absent when nothing is to be done). */
  fix?: string;
}

/** The rule priorities and nft table the router owns (its mark bits are `balance.mark_mask`). */
export const DOCTOR_LIMITS = {
  rulePriority: { min: PRIORITY.min, max: PRIORITY.max },
  nftTable: NFT_TABLE,
} as const;

const PACKAGE: Record<ToolName, string> = {
  ip: "iproute2",
  nft: "nftables",
  conntrack: "conntrack",
  ping: "iputils-ping",
};
/** Oldest versions known to do what wanpilot asks (nexthop objects, JSON output, -D --mark X/Y, ping -I address). */
const MIN_VERSION: Record<ToolName, { re: RegExp; min: number[]; shown: string }> = {
  ip: { re: /iproute2-v?(\d+)\.(\d+)/, min: [5, 3], shown: "iproute2 5.3" },
  nft: { re: /v(\d+)\.(\d+)\.(\d+)/, min: [0, 9, 3], shown: "nftables 0.9.3" },
  conntrack: { re: /v(\d+)\.(\d+)\.(\d+)/, min: [1, 4, 5], shown: "conntrack 1.4.5" },
  ping: { re: /iputils[- ]s?(\d{8})/, min: [20180629], shown: "iputils 20180629" },
};

const hex = (n: number) => `0x${n.toString(16)}`;

function atLeast(have: number[], min: number[]): boolean {
  for (let i = 0; i < min.length; i++) {
    const h = have[i] ?? 0;
    const m = min[i] ?? 0;
    if (h !== m) return h > m;
  }
  return true;
}

function checkNode(version: string): Finding {
  const [major = 0, minor = 0] = version.split(".").map(Number);
  const ok = (major === 20 && minor >= 19) || major >= 22;
  return ok
    ? { check: "node", level: "ok", message: `Node ${version}` }
    : {
        check: "node",
        level: "error",
        message: `Node ${version} is not supported (20.19+ or 22+)`,
        fix: "install Node 20 or 22 (NodeSource's apt repository, or nvm install 20) system-wide, then reinstall",
      };
}

function checkTools(tools: DoctorFacts["tools"]): Finding[] {
  return (Object.keys(PACKAGE) as ToolName[]).map((name): Finding => {
    const line = tools[name];
    const check = `tool ${name}`;
    if (line === null)
      return {
        check,
        level: "error",
        message: `${name} is not installed`,
        fix: `apt-get install ${PACKAGE[name]}`,
      };
    const spec = MIN_VERSION[name];
    const m = spec.re.exec(line);
    if (m === null)
      return { check, level: "info", message: `${name}: could not read its version from "${line}"` };
    const have = m.slice(1).map(Number);
    return atLeast(have, spec.min)
      ? { check, level: "ok", message: line }
      : {
          check,
          level: "error",
          message: `${name} is too old (${line}); wanpilot needs ${spec.shown} or later`,
          fix: `upgrade ${PACKAGE[name]} (Debian 11+ and Ubuntu 22.04+ have recent enough versions)`,
        };
  });
}

function checkKernel(k: DoctorFacts["kernel"], writable: boolean): Finding[] {
  const feature = (ok: boolean, check: string, what: string, fix: string): Finding =>
    ok
      ? { check, level: "ok", message: what }
      : { check, level: "error", message: `the kernel lacks ${what}`, fix };
  return [
    feature(k.nexthops, "kernel nexthops", "nexthop objects (ip nexthop)", "use Linux 5.3 or later"),
    feature(
      k.multipathHash,
      "kernel multipath",
      "multipath routes with a hash policy (net.ipv4.fib_multipath_hash_policy)",
      "use a kernel built with CONFIG_IP_ROUTE_MULTIPATH (every distribution kernel is)",
    ),
    feature(
      k.nftInet,
      "kernel nft inet",
      "nftables inet tables",
      "load nf_tables (modprobe nf_tables) or use Linux 4.x+",
    ),
    feature(
      k.ctMark,
      "kernel ct mark",
      "connection marks (nft ct mark)",
      "load nf_conntrack (modprobe nf_conntrack)",
    ),
    writable
      ? { check: "sysctls", level: "ok", message: "net sysctls are writable" }
      : {
          check: "sysctls",
          level: "error",
          message:
            "net sysctls are read-only here (an unprivileged container?): the router cannot set forwarding, rp_filter or the multipath hash",
          fix: "set them on the host (see docs/install.md, containers): net.ipv4.ip_forward=1, net.ipv4.conf.<wan>.rp_filter=2, net.ipv4.fib_multipath_hash_policy=1, or run the router with write access to /proc/sys/net",
        },
  ];
}

function checkForward(chains: DoctorFacts["forwardChains"]): Finding[] {
  const dropping = chains.filter((c) => c.table !== DOCTOR_LIMITS.nftTable && c.policy === "drop");
  return dropping.map((c) => ({
    check: "forward policy",
    level: "warning",
    message: `nft ${c.family} ${c.table} chain ${c.chain} drops forwarded packets by default (policy drop)`,
    fix: `make sure it accepts LAN → WAN and the replies: nft add rule ${c.family} ${c.table} ${c.chain} ct state established,related accept; nft add rule ${c.family} ${c.table} ${c.chain} iifname "<lan>" oifname { <wans> } accept`,
  }));
}

/** Learned links need the main-table default route their DHCP/PPP client installs, one metric each. */
function checkDefaultRoutes(config: WanpilotConfig, facts: DoctorFacts): Finding[] {
  const out: Finding[] = [];
  const v4 = facts.defaultRoutes.filter((r) => r.family === 4);
  for (const link of config.links) {
    if (!facts.interfaces.includes(link.interface)) {
      out.push({
        check: "links",
        level: "error",
        message: `link ${link.name}: interface ${link.interface} does not exist`,
        fix: "bring the interface up (for PPP, give it a fixed name: pppd's ifname option) or fix links[].interface",
      });
      continue;
    }
    if (link.gateway !== undefined || v4.some((r) => r.dev === link.interface)) continue;
    out.push({
      check: "default routes",
      level: "error",
      message: `link ${link.name}: no default route on ${link.interface} in the main table, so its gateway cannot be learned`,
      fix: `let its DHCP/PPP client install one with a metric of its own (systemd-networkd: [DHCPv4] RouteMetric=; NetworkManager: ipv4.route-metric; ifupdown dhcp: metric; pppd: defaultroute with replacedefaultroute off), or set links[].gateway`,
    });
  }
  const wanDevs = new Set(config.links.map((l) => l.interface));
  const byMetric = new Map<number, string[]>();
  for (const r of v4.filter((r) => wanDevs.has(r.dev)))
    byMetric.set(r.metric, [...(byMetric.get(r.metric) ?? []), r.dev]);
  for (const [metric, devs] of byMetric)
    if (new Set(devs).size > 1)
      out.push({
        check: "default routes",
        level: "error",
        message: `${devs.join(" and ")} have default routes with the same metric ${metric}: the kernel keeps using one of them, the other client may fail to install its route`,
        fix: "give each WAN's DHCP/PPP client a distinct metric (e.g. 100, 200, 300)",
      });
  return out;
}

/** Two links with the same source address are told apart by interface, mark and probe ports (U15): say so. */
function checkSources(config: WanpilotConfig, facts: DoctorFacts): Finding[] {
  const sources = config.links.map((l) => ({
    link: l.name,
    source: l.source ?? facts.addresses.find((a) => a.dev === l.interface)?.address ?? null,
  }));
  const out: Finding[] = [];
  for (const [i, a] of sources.entries())
    for (const b of sources.slice(i + 1))
      if (a.source !== null && a.source === b.source)
        out.push({
          check: "sources",
          level: "info",
          message: `links ${a.link} and ${b.link} have the same source address ${a.source}: they are told apart by interface, mark and probe ports`,
          fix: "nothing to do; keep net.ipv4.ip_local_port_range below 61000 (docs/security.md, Links that look alike)",
        });
  return out;
}

function checkForeign(config: WanpilotConfig, facts: DoctorFacts): Finding[] {
  const { min, max } = DOCTOR_LIMITS.rulePriority;
  const markMask = config.balance.mark_mask;
  const out: Finding[] = [];
  for (const r of facts.rules) {
    const inRange = r.priority >= min && r.priority <= max;
    const marks = r.fwmark !== null && ((r.fwmask ?? 0xffffffff) & r.fwmark & markMask) !== 0;
    // wanpilot's own rules carry its protocol tag; anything else in its range is someone else's.
    if (inRange && r.protocol !== RT_PROTO)
      out.push({
        check: "foreign rules",
        level: r.matchesAll === true && r.priority < PRIORITY.balance ? "error" : "warning",
        message:
          r.matchesAll === true && r.priority < PRIORITY.balance
            ? `ip rule priority ${r.priority} (table ${r.table ?? "-"}) is in wanpilot's range ${min}–${max}, not wanpilot's, and catches every packet before its rules: the router refuses to start`
            : `ip rule priority ${r.priority} (table ${r.table ?? "-"}) is in wanpilot's range ${min}–${max} but not wanpilot's (no protocol ${RT_PROTO}): the router leaves it alone`,
        fix: `move it out of ${min}–${max} (ip rule del priority ${r.priority}; add it again with another priority)`,
      });
    else if (!inRange && marks)
      out.push({
        check: "foreign marks",
        level: "warning",
        message: `ip rule priority ${r.priority} matches fwmark ${hex(r.fwmark ?? 0)}, bits wanpilot uses for its links (${hex(markMask)})`,
        fix: "move the other program's marks to other bits (Tailscale: see its netfilter mode), or expect its traffic to follow wanpilot's links",
      });
  }
  for (const m of facts.markSets)
    if (m.table !== DOCTOR_LIMITS.nftTable && (m.value & markMask) !== 0)
      out.push({
        check: "foreign marks",
        level: "warning",
        message: `nft ${m.family} ${m.table} chain ${m.chain} sets ${m.key} ${hex(m.value)}, in the bits wanpilot uses for its links (${hex(markMask)})`,
        fix: `change it to bits outside ${hex(markMask)}, or its packets take the link those bits name`,
      });
  return out;
}

function checkIpv6(config: WanpilotConfig, facts: DoctorFacts): Finding[] {
  const wans = new Set(config.links.map((l) => l.interface));
  return facts.defaultRoutes
    .filter((r) => r.family === 6 && wans.has(r.dev))
    .map((r) => ({
      check: "ipv6",
      level: "warning" as const,
      message: `${r.dev} has an IPv6 default route: IPv6 traffic leaves through it and nothing fails it over (wanpilot balances IPv4)`,
      fix: `if that link fails, IPv6 fails with it: stop accepting the route (net.ipv6.conf.${r.dev}.accept_ra=0, or the DHCPv6 client's setting) or accept it`,
    }));
}

function checkTime(synchronised: boolean | null): Finding {
  if (synchronised === true) return { check: "time", level: "ok", message: "time is synchronised" };
  if (synchronised === null)
    return {
      check: "time",
      level: "info",
      message: "could not tell whether time is synchronised (no timedatectl)",
    };
  return {
    check: "time",
    level: "warning",
    message: "time is not synchronised: outage times in the history and reports may be off",
    fix: "enable time sync (systemctl enable --now systemd-timesyncd, or chrony); on a gateway it needs a live WAN first",
  };
}

/** Every check over the facts, in the order they are printed. */
export function diagnose(config: WanpilotConfig, facts: DoctorFacts): Finding[] {
  return [
    checkNode(facts.nodeVersion),
    ...checkTools(facts.tools),
    ...checkKernel(facts.kernel, facts.sysctlsWritable),
    ...checkForward(facts.forwardChains),
    ...checkDefaultRoutes(config, facts),
    ...checkSources(config, facts),
    ...checkForeign(config, facts),
    ...checkIpv6(config, facts),
    checkTime(facts.timeSynchronised),
  ];
}
