import type { WanpilotConfig } from "@wanpilot/common";
import type { Lab } from "@wanpilot/lab";

interface IpRoute {
  dst: string;
  table?: string;
  dev?: string;
  gateway?: string;
  type?: string;
  nexthops?: Array<{ dev: string; gateway?: string; weight?: number }>;
}
type IpRule = Record<string, unknown> & { priority?: number; table?: string };

const KERNEL_TABLES = new Set(["main", "local", "default", "254", "255", "253"]);

/**
 * Problems with the gateway's routing for the links that are really up (`live`), empty when right:
 * the balance table's default route carries exactly the live links; each link table holds only
 * routes out of its link and one default; no rule appears twice.
 */
export async function routingProblems(
  lab: Lab,
  config: WanpilotConfig,
  live: Set<string>,
): Promise<string[]> {
  const [routesRaw, rulesRaw] = await Promise.all([
    lab.exec(lab.ns.gw, ["ip", "-j", "-4", "route", "show", "table", "all"], { timeoutMs: 5000 }),
    lab.exec(lab.ns.gw, ["ip", "-j", "-4", "rule", "show"], { timeoutMs: 5000 }),
  ]);
  const routes = JSON.parse(routesRaw) as IpRoute[];
  const rules = JSON.parse(rulesRaw) as IpRule[];
  const problems: string[] = [];
  const linkTables = new Map(config.links.map((l) => [String(l.table), l]));
  const devOf = new Map(config.links.map((l) => [l.interface, l.name]));

  for (const [table, link] of linkTables) {
    const inTable = routes.filter((r) => r.table === table);
    const stray = inTable.filter((r) => r.dev !== link.interface);
    if (stray.length > 0)
      problems.push(`table ${table} (${link.name}) has stray routes ${JSON.stringify(stray)}`);
    const defaults = inTable.filter((r) => r.dst === "default");
    if (defaults.length > 1) problems.push(`table ${table} has ${defaults.length} default routes`);
  }
  const own = routes.filter(
    (r) => r.table !== undefined && !KERNEL_TABLES.has(r.table) && !linkTables.has(r.table),
  );
  const balanceTables = new Set(own.map((r) => r.table));
  if (balanceTables.size !== 1)
    problems.push(`expected one balance table, found ${[...balanceTables].join(", ") || "none"}`);
  for (const table of balanceTables) {
    const inTable = own.filter((r) => r.table === table);
    const defaults = inTable.filter((r) => r.dst === "default" && r.type !== "unreachable");
    if (inTable.length !== 1 || defaults.length !== 1)
      problems.push(`balance table ${table} holds ${JSON.stringify(inTable)}`);
    const devs = (defaults[0]?.nexthops?.map((n) => n.dev) ?? [defaults[0]?.dev]).filter(
      (d) => d !== undefined,
    );
    const links = devs.map((d) => devOf.get(d) ?? `?${d}`).sort();
    const want = [...live].sort();
    if (JSON.stringify(links) !== JSON.stringify(want))
      problems.push(`default route via ${links.join(",") || "nothing"}, live links ${want.join(",")}`);
  }
  const seen = new Map<string, number>();
  for (const r of rules) {
    const { priority: _p, ...rest } = r;
    const key = JSON.stringify(rest);
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  for (const [key, n] of seen) if (n > 1) problems.push(`rule ${key} appears ${n} times`);
  if (routes.some((r) => r.table === undefined && r.dst === "default"))
    problems.push("a default route in the main table");
  return problems;
}
