import { readFile } from "node:fs/promises";
import { listNamespaces, parseLabNamespace } from "@wanpilot/lab";
import { execa } from "execa";

/**
 * Read-only look at the host's own network namespace, taken before and after a test file:
 * the lab must never leave a route, rule, nft table, sysctl or interface behind there.
 */
export interface HostSnapshot {
  readonly routes: string;
  readonly routes6: string;
  readonly rules: string;
  readonly nft: string;
  readonly links: string;
  readonly sysctls: string;
}

const SYSCTLS = [
  "net/ipv4/ip_forward",
  "net/ipv4/conf/all/rp_filter",
  "net/ipv4/conf/default/rp_filter",
  "net/ipv4/fib_multipath_hash_policy",
  "net/ipv6/conf/all/forwarding",
];

async function stdout(argv: readonly string[]): Promise<string> {
  const [file, ...args] = argv;
  return (await execa(file ?? "false", args, { timeout: 10_000 })).stdout;
}

export async function snapshotHost(): Promise<HostSnapshot> {
  const sysctls = await Promise.all(
    SYSCTLS.map(async (key) => `${key}=${(await readFile(`/proc/sys/${key}`, "utf8")).trim()}`),
  );
  return {
    // Kernel-maintained lifetimes ("expires 3599sec") change on their own.
    routes: (await stdout(["ip", "route", "show", "table", "all"])).replace(/expires \d+sec/g, ""),
    routes6: (await stdout(["ip", "-6", "route", "show", "table", "all"])).replace(/expires \d+sec/g, ""),
    rules: await stdout(["ip", "rule"]),
    nft: await stdout(["nft", "list", "ruleset"]),
    links: (await stdout(["ip", "-o", "link"]))
      .split("\n")
      .map((line) => line.split(":")[1]?.trim() ?? "")
      .join(","),
    sysctls: sysctls.join("\n"),
  };
}

/** Lab namespaces created by this process that still exist. */
export async function namespacesOfThisProcess(): Promise<string[]> {
  return (await listNamespaces()).filter((name) => parseLabNamespace(name)?.pid === process.pid);
}
