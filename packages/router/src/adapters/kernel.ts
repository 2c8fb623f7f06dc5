import { isWanpilotError, KERNEL_TABLE_IDS, WanpilotError } from "@wanpilot/common";
import {
  type Command,
  hex,
  type Marks,
  NFT_TABLE,
  type ObservedState,
  PRIORITY,
  RT_PROTO,
} from "../core/model.js";
import { NEXTHOP_ID, parseNexthops } from "../core/nexthops.js";
import { parseNftListing } from "../core/nft.js";
import {
  type InterfaceAddress,
  matchesAll,
  parseAddresses,
  parseRoutes,
  parseRules,
  protocolOf,
} from "../core/parse.js";
import type { Runner } from "./command.js";

export type { InterfaceAddress };

export interface ApplyResult {
  /** Connections deleted per link by conntrack flushes (`family: "ipv6"` for IPv6 ones). */
  flushed: Array<{ link: string; connections: number; family?: "ipv6" }>;
  /** Commands that failed; the others were still carried out (a missing interface must not block routing). */
  errors: unknown[];
}

/** The kernel as the router sees it: read its state, carry out commands. */
export interface Kernel {
  observe(sysctlKeys: string[]): Promise<ObservedState>;
  /** Every interface's IPv4 addresses: what learned sources and gateways are checked against. */
  addresses(): Promise<Map<string, InterfaceAddress[]>>;
  /** Every interface's global IPv6 addresses (absent in fakes that know no IPv6). */
  addresses6?(): Promise<Map<string, InterfaceAddress[]>>;
  apply(cmds: Command[]): Promise<ApplyResult>;
  /** Tracked connections of each of these link marks (the bits of `marks.mask`). */
  connectionsByMark(
    linkMarks: number[],
    marks: Marks,
    family?: "ipv4" | "ipv6",
  ): Promise<Map<number, number>>;
}

function json(text: string, what: string): unknown {
  try {
    return JSON.parse(text === "" ? "[]" : text);
  } catch (err: unknown) {
    throw new WanpilotError("COMMAND_FAILED", `${what} printed no JSON`, { cause: err });
  }
}

/** `sysctl` prints "key = value"; keys of missing interfaces are skipped (-e). */
function parseSysctl(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^(\S+)\s*=\s*(.*)$/.exec(line.trim());
    if (m?.[1] !== undefined && m[2] !== undefined) out[m[1]] = m[2];
  }
  return out;
}

/** wanpilot's objects (tagged RT_PROTO) apart from everyone else's. */
function split(json: unknown): { tagged: unknown[]; foreign: unknown[] } {
  const all = Array.isArray(json) ? json : [];
  return {
    tagged: all.filter((o) => protocolOf(o) === RT_PROTO),
    foreign: all.filter((o) => protocolOf(o) !== RT_PROTO),
  };
}

/**
 * The kernel through external commands. With `netns`, `ip` runs as `ip -n <ns>` (no extra process)
 * and everything else as `ip netns exec <ns> …`; without, in the router's own namespace.
 */
export function createKernel(run: Runner, netns?: string): Kernel {
  // -N: tables (and protocols) as numbers, whatever names /etc/iproute2/rt_tables gives them.
  const ip: Runner = (argv, opts) =>
    run(netns === undefined ? ["ip", "-N", ...argv] : ["ip", "-N", "-n", netns, ...argv], opts);
  const other: Runner = (argv, opts) =>
    run(netns === undefined ? argv : ["ip", "netns", "exec", netns, ...argv], opts);
  const observeNft = async (): Promise<{ hash: string; vias: Map<string, string> } | null> => {
    // Text, not -j: the JSON of nft 1.0.6 leaves out the table comment that carries the hash.
    const r = await other(["nft", "list", "table", "inet", NFT_TABLE], { okExitCodes: [1] });
    return r.exitCode === 0 ? parseNftListing(r.stdout) : null;
  };
  return {
    async observe(sysctlKeys) {
      const [rules, routes, rules6, routes6, nexthops, nft, sysctls] = await Promise.all([
        ip(["-4", "-json", "rule", "show"]),
        ip(["-4", "-json", "route", "show", "table", "all"]),
        ip(["-6", "-json", "rule", "show"]),
        ip(["-6", "-json", "route", "show", "table", "all"]),
        ip(["-json", "nexthop", "show"]),
        observeNft(),
        sysctlKeys.length === 0
          ? Promise.resolve(null)
          : other(["sysctl", "-e", ...sysctlKeys], { okExitCodes: [255] }),
      ]);
      const own = split(json(rules.stdout, "ip rule"));
      const ownRoutes = split(json(routes.stdout, "ip route"));
      const ownNexthops = split(json(nexthops.stdout, "ip nexthop"));
      const foreignRules = parseRules(own.foreign).map((r, i) => ({
        ...r,
        matchesAll: matchesAll(own.foreign[i]),
      }));
      return {
        rules: parseRules(own.tagged),
        routes: parseRoutes(ownRoutes.tagged),
        nexthops: parseNexthops(ownNexthops.tagged),
        foreign: {
          rules: foreignRules.filter((r) => r.priority >= PRIORITY.min && r.priority <= PRIORITY.max),
          routes: parseRoutes(ownRoutes.foreign).filter((r) => !KERNEL_TABLE_IDS.has(r.table)),
          nexthops: parseNexthops(ownNexthops.foreign).filter(
            (n) => n.id >= NEXTHOP_ID.min && n.id <= NEXTHOP_ID.max,
          ),
        },
        v6: {
          rules: parseRules(split(json(rules6.stdout, "ip -6 rule")).tagged),
          routes: parseRoutes(split(json(routes6.stdout, "ip -6 route")).tagged),
        },
        nftHash: nft?.hash ?? null,
        nftVias: Object.fromEntries(nft?.vias ?? []),
        sysctls: sysctls === null ? {} : parseSysctl(sysctls.stdout),
      };
    },
    async addresses() {
      const r = await ip(["-4", "-json", "addr", "show"]);
      return parseAddresses(json(r.stdout, "ip addr"));
    },
    async addresses6() {
      const r = await ip(["-6", "-json", "addr", "show"]);
      return parseAddresses(json(r.stdout, "ip -6 addr"), "inet6");
    },
    async apply(cmds) {
      const flushed: ApplyResult["flushed"] = [];
      const errors: unknown[] = [];
      const attempt = (f: () => Promise<unknown>) =>
        f().then(
          () => undefined,
          (err: unknown) => void errors.push(err),
        );
      const sysctls = cmds.flatMap((c) => (c.kind === "sysctl" ? [`${c.key}=${c.value}`] : []));
      if (sysctls.length > 0)
        await attempt(() =>
          other(["sysctl", "-q", "-w", ...sysctls]).catch((err: unknown) => Promise.reject(sysctlError(err))),
        );
      // nft and routes are independent of each other; running them side by side saves a process start.
      await Promise.all(
        cmds.map((c) => {
          if (c.kind === "nft") return attempt(() => other(["nft", "-f", "-"], { input: c.text }));
          if (c.kind !== "ip-batch") return undefined;
          // -force: one bad line (a device gone) must not leave the rest undone; the error still surfaces.
          const family = c.family === 6 ? ["-6"] : [];
          return attempt(() =>
            ip([...family, "-force", "-batch", "-"], { input: `${c.lines.join("\n")}\n` }),
          );
        }),
      );
      // Flushed only once new connections already take the new routes.
      await Promise.all(
        cmds.map((c) =>
          c.kind !== "conntrack-flush"
            ? undefined
            : attempt(async () => {
                // conntrack exits 1 when nothing matched; the count is on stderr.
                // Without -f, conntrack 1.4.7 deletes both families' entries of the mark: each family flushes its own.
                const family = ["-f", c.family ?? "ipv4"];
                const r = await other(
                  ["conntrack", "-D", ...family, "--mark", `${hex(c.mark)}/${hex(c.mask)}`],
                  {
                    okExitCodes: [1],
                  },
                );
                const n = /(\d+) flow entries have been deleted/.exec(r.stderr)?.[1];
                flushed.push({
                  link: c.link,
                  connections: Number(n ?? 0),
                  ...(c.family === undefined ? {} : { family: c.family }),
                });
              }),
        ),
      );
      return { flushed, errors };
    },
    async connectionsByMark(linkMarks, marks, family = "ipv4") {
      // One filtered listing per link, its entries sent to /dev/null and only the count read from
      // conntrack's summary line: the router never holds the table (a full dump of 500k entries as
      // text exhausted its heap). One after the other, so counting never takes more than one core.
      const out = new Map<number, number>();
      for (const mark of linkMarks) {
        // Without -f, conntrack 1.4.7 lists both families: counts are per family.
        const r = await other(
          ["conntrack", "-L", "-f", family, "--mark", `${hex(mark)}/${hex(marks.mask)}`],
          {
            okExitCodes: [1],
            timeoutMs: 30_000,
            discardStdout: true,
          },
        );
        const n = /(\d+) flow entries have been shown/.exec(r.stderr)?.[1];
        if (n === undefined)
          throw new WanpilotError(
            "COMMAND_FAILED",
            `conntrack -L printed no count: ${r.stderr.trim().slice(0, 200)}`,
          );
        out.set(mark, Number(n));
      }
      return out;
    },
  };
}

/**
 * In a container without write access to /proc/sys the sysctls fail on every reconcile: say which ones
 * and where to set them instead of a bare command failure.
 */
export function sysctlError(err: unknown): unknown {
  if (!isWanpilotError(err, "COMMAND_FAILED")) return err;
  const stderr = String(err.details.stderr ?? "");
  // procps 4: `permission denied on key "k"`; procps 3: `setting key "k": Read-only file system`.
  const keys = [
    ...stderr.matchAll(
      /permission denied on key "([^"]+)"|setting key "([^"]+)": (?:Read-only file system|Permission denied)/g,
    ),
  ].map((m) => m[1] ?? m[2] ?? "");
  if (keys.length === 0) return err;
  return new WanpilotError(
    "COMMAND_FAILED",
    `cannot set ${keys.join(", ")}: read-only here (a container without write access to /proc/sys?); ` +
      "set them on the host (docs/install.md, Containers) and they stay as they are",
    { cause: err, details: { ...err.details, readOnlySysctls: keys } },
  );
}
