import { accessSync, constants } from "node:fs";
import { matchesAll } from "@wanpilot/router";
import { execa } from "execa";
import type { DoctorFacts, ToolName } from "../core/doctor.js";

interface Run {
  ok: boolean;
  stdout: string;
}

/** One command, argv only, bounded; a missing binary or a failure is an answer, not an exception. */
async function run(argv: string[], input?: string): Promise<Run> {
  const [cmd = "false", ...args] = argv;
  const r = await execa(cmd, args, {
    reject: false,
    timeout: 10_000,
    ...(input === undefined ? {} : { input }),
  });
  return { ok: r.exitCode === 0, stdout: `${r.stdout}` };
}

function json<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

const VERSION_ARGV: Record<ToolName, string[]> = {
  ip: ["ip", "-V"],
  nft: ["nft", "--version"],
  conntrack: ["conntrack", "--version"],
  ping: ["ping", "-V"],
};

async function tools(): Promise<DoctorFacts["tools"]> {
  const names = Object.keys(VERSION_ARGV) as ToolName[];
  const lines = await Promise.all(
    names.map(async (n) => {
      const r = await run(VERSION_ARGV[n]);
      return r.ok ? (r.stdout.split("\n")[0] ?? "").trim() : null;
    }),
  );
  return Object.fromEntries(names.map((n, i) => [n, lines[i] ?? null])) as DoctorFacts["tools"];
}

/** `nft -c` checks a ruleset against the kernel without applying anything. */
const probeRuleset = (stmt: string) =>
  `table inet wanpilot_doctor {\n chain c {\n  type filter hook prerouting priority 0;\n  ${stmt}\n }\n}\n`;

async function kernel(): Promise<DoctorFacts["kernel"]> {
  const [nexthops, hash, inet, ct] = await Promise.all([
    run(["ip", "nexthop", "show"]),
    run(["sysctl", "-n", "net.ipv4.fib_multipath_hash_policy"]),
    run(["nft", "-c", "-f", "-"], probeRuleset("counter")),
    run(["nft", "-c", "-f", "-"], probeRuleset("ct mark set 0x10000 meta mark set ct mark")),
  ]);
  return { nexthops: nexthops.ok, multipathHash: hash.ok, nftInet: inet.ok, ctMark: ct.ok };
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

type NftItem = {
  chain?: { family: string; table: string; name: string; hook?: string; policy?: string };
  rule?: { family: string; table: string; chain: string; expr?: unknown[] };
};

/** A constant a mangle statement sets, also `mark | constant`. */
function constantOf(value: unknown): number | null {
  if (typeof value === "number") return value;
  const or = (value as { "|"?: unknown[] } | null)?.["|"];
  const n = Array.isArray(or) ? or.find((v) => typeof v === "number") : undefined;
  return typeof n === "number" ? n : null;
}

function nftFacts(items: NftItem[]): Pick<DoctorFacts, "forwardChains" | "markSets"> {
  const forwardChains = items.flatMap((i) =>
    i.chain?.hook === "forward"
      ? [
          {
            family: i.chain.family,
            table: i.chain.table,
            chain: i.chain.name,
            policy: i.chain.policy ?? "accept",
          },
        ]
      : [],
  );
  const markSets = items.flatMap((i) =>
    (i.rule?.expr ?? []).flatMap((e) => {
      const mangle = (
        e as { mangle?: { key?: { meta?: { key: string }; ct?: { key: string } }; value: unknown } }
      ).mangle;
      const key =
        mangle?.key?.meta?.key === "mark" ? "meta mark" : mangle?.key?.ct?.key === "mark" ? "ct mark" : null;
      const value = constantOf(mangle?.value);
      if (i.rule === undefined || key === null || value === null) return [];
      return [{ family: i.rule.family, table: i.rule.table, chain: i.rule.chain, key, value } as const];
    }),
  );
  return { forwardChains, markSets };
}

type IpRoute = { dst: string; dev?: string; metric?: number; nexthops?: Array<{ dev: string }> };

function defaults(routes: IpRoute[], family: 4 | 6): DoctorFacts["defaultRoutes"] {
  return routes.flatMap((r) =>
    (r.nexthops ?? [{ dev: r.dev ?? "" }]).map((n) => ({ family, dev: n.dev, metric: r.metric ?? 0 })),
  );
}

const num = (v: string | number | undefined) => (v === undefined ? null : Number(v));

/** Everything doctor looks at, read from this machine (or the network namespace it runs in). */
export async function gatherFacts(): Promise<DoctorFacts> {
  const [toolLines, kernelFacts, nft, r4, r6, addr, link, rules, time] = await Promise.all([
    tools(),
    kernel(),
    run(["nft", "-j", "list", "ruleset"]),
    run(["ip", "-j", "-4", "route", "show", "table", "main", "default"]),
    run(["ip", "-j", "-6", "route", "show", "table", "main", "default"]),
    run(["ip", "-j", "-4", "addr", "show"]),
    run(["ip", "-j", "link", "show"]),
    run(["ip", "-j", "-N", "rule", "show"]),
    run(["timedatectl", "show", "-p", "NTPSynchronized", "--value"]),
  ]);
  const links = json<Array<{ ifname: string; addr_info?: Array<{ local: string; scope: string }> }>>(
    addr.stdout,
    [],
  );
  return {
    nodeVersion: process.versions.node,
    tools: toolLines,
    kernel: kernelFacts,
    sysctlsWritable: writable("/proc/sys/net/ipv4/ip_forward"),
    ...nftFacts(json<{ nftables?: NftItem[] }>(nft.stdout, {}).nftables ?? []),
    defaultRoutes: [...defaults(json(r4.stdout, []), 4), ...defaults(json(r6.stdout, []), 6)],
    addresses: links.flatMap((l) =>
      (l.addr_info ?? [])
        .filter((a) => a.scope === "global")
        .map((a) => ({ dev: l.ifname, address: a.local })),
    ),
    interfaces: json<Array<{ ifname: string }>>(link.stdout, []).map((l) => l.ifname),
    rules: json<
      Array<{ priority: number; table?: string; fwmark?: string; fwmask?: string; protocol?: string }>
    >(rules.stdout, []).map((r) => ({
      priority: r.priority,
      table: num(r.table),
      fwmark: num(r.fwmark),
      fwmask: num(r.fwmask),
      protocol: num(r.protocol),
      matchesAll: matchesAll(r),
    })),
    timeSynchronised: time.ok ? time.stdout.trim() === "yes" : null,
  };
}
