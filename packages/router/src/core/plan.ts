import { KERNEL_TABLE_IDS } from "@wanpilot/common";
import {
  type Command,
  type DesiredState,
  hex,
  type LinkView,
  type ObservedState,
  PRIORITY,
  type RouteSpec,
  RT_PROTO,
  type RuleSpec,
} from "./model.js";
import { deleteLines, ownNexthop, planNexthops } from "./nexthops.js";
import { renderViaUpdate } from "./nft.js";

const TAG = ` proto ${RT_PROTO}`;

export function ruleKey(r: RuleSpec): string {
  const mark = r.fwmark === null ? "" : ` fwmark ${hex(r.fwmark)}/${hex(r.fwmask ?? 0xffffffff)}`;
  const sp = r.suppressPrefixLength === null ? "" : ` suppress_prefixlength ${r.suppressPrefixLength}`;
  const iif = r.iif === undefined ? "" : ` iif ${r.iif}`;
  const sport = r.sport === undefined ? "" : ` sport ${r.sport.first}-${r.sport.last}`;
  return `priority ${r.priority} from ${r.src}${iif}${sport}${mark} lookup ${r.table}${sp}`;
}

export function routeId(r: RouteSpec): string {
  return `table ${r.table} ${r.dst} metric ${r.metric}`;
}

function nexthopText(r: RouteSpec): string {
  if (r.type === "unreachable") return "unreachable";
  const one = (n: RouteSpec["nexthops"][number]) =>
    `${n.gateway === null ? "" : `via ${n.gateway} `}dev ${n.dev}`;
  if (r.nexthops.length === 1 && r.nexthops[0] !== undefined) return one(r.nexthops[0]);
  return r.nexthops.map((n) => `nexthop ${one(n)} weight ${n.weight}`).join(" ");
}

/** Everything compared about a route: its type and next hops (weights only when multipath). */
export function routeValue(r: RouteSpec): string {
  if (r.nhid !== undefined) return `${r.type} nhid ${r.nhid}`;
  return `${r.type} ${nexthopText(r)}`;
}

export function routeLine(r: RouteSpec): string {
  const metric = r.metric === 0 ? "" : ` metric ${r.metric}`;
  // The tag goes before the next hops: `ip` reads everything after a multipath `nexthop` as next hops.
  if (r.type === "unreachable") return `route replace table ${r.table} unreachable ${r.dst}${metric}${TAG}`;
  if (r.nhid !== undefined) return `route replace table ${r.table} ${r.dst}${metric}${TAG} nhid ${r.nhid}`;
  const single = r.nexthops.length === 1 && r.nexthops[0]?.gateway === null ? " scope link" : "";
  return `route replace table ${r.table} ${r.dst}${metric}${TAG} ${nexthopText(r)}${single}`;
}

// With the tag, `del` matches only wanpilot's route: a foreign one at the same place stays.
function routeDelLine(r: RouteSpec): string {
  return `route del table ${r.table} ${r.dst}${r.metric === 0 ? "" : ` metric ${r.metric}`}${TAG}`;
}

export const inRange = (r: RuleSpec) => r.priority >= PRIORITY.min && r.priority <= PRIORITY.max;

/** Observed routes are wanpilot's own (tagged): every one that is not wanted goes, in whatever table. */
const ownRoute = (r: RouteSpec) => !KERNEL_TABLE_IDS.has(r.table);

function planRoutes(desired: Pick<DesiredState, "routes">, observed: Pick<ObservedState, "routes">) {
  const have = new Map(observed.routes.filter(ownRoute).map((r) => [routeId(r), r]));
  const want = new Map(desired.routes.map((r) => [routeId(r), r]));
  const add = desired.routes.filter((r) => {
    const h = have.get(routeId(r));
    return h === undefined || routeValue(h) !== routeValue(r);
  });
  const del = [...have.values()].filter((r) => !want.has(routeId(r)));
  return { add: add.map(routeLine), del: del.map(routeDelLine) };
}

function planRules(desired: Pick<DesiredState, "rules">, observed: Pick<ObservedState, "rules">) {
  const counts = new Map<string, number>();
  for (const r of observed.rules.filter(inRange)) counts.set(ruleKey(r), (counts.get(ruleKey(r)) ?? 0) + 1);
  const add: string[] = [];
  for (const r of desired.rules) {
    const k = ruleKey(r);
    const n = counts.get(k) ?? 0;
    if (n === 0) add.push(`rule add ${k} protocol ${RT_PROTO}`);
    counts.set(k, n - 1);
  }
  // What is left over: leftovers of earlier runs and duplicates, deleted one instance per line.
  const del = [...counts].flatMap(([k, n]) =>
    Array.from({ length: Math.max(0, n) }, () => `rule del ${k} protocol ${RT_PROTO}`),
  );
  return { add, del };
}

/**
 * (desired, observed) → the smallest ordered list of commands: sysctls, the nft table (so marks
 * exist before routes use them), one `ip -batch` (routes, then new rules, then stale rules, then
 * stale routes), then conntrack flushes of links that went down.
 */
export function plan(
  desired: DesiredState,
  observed: ObservedState,
  flush: LinkView[] = [],
  flush6: LinkView[] = [],
): Command[] {
  const cmds: Command[] = [];
  for (const [key, value] of Object.entries(desired.sysctls)) {
    // An interface that is not there (a USB modem unplugged) has no settings yet; set them once it is.
    if (isInterfaceKey(key) && observed.sysctls[key] === undefined) continue;
    if (!sameSysctl(observed.sysctls[key], value)) cmds.push({ kind: "sysctl", key, value });
  }
  const nft = planNft(desired, observed);
  if (nft !== null) cmds.push({ kind: "nft", text: nft });
  const routes = planRoutes(desired, observed);
  const rules = planRules(desired, observed);
  const nexthops = planNexthops(desired.nexthops, observed.nexthops);
  // Objects before the routes that use them; stale ones after nothing uses them any more.
  const lines = [...nexthops.add, ...routes.add, ...rules.add, ...rules.del, ...routes.del, ...nexthops.del];
  if (lines.length > 0) cmds.push({ kind: "ip-batch", lines });
  const lines6 = planIpv6(desired, observed);
  if (lines6.length > 0) cmds.push({ kind: "ip-batch", family: 6, lines: lines6 });
  for (const l of flush)
    cmds.push({ kind: "conntrack-flush", link: l.name, mark: l.mark, mask: desired.marks.mask });
  for (const l of flush6)
    cmds.push({
      kind: "conntrack-flush",
      family: "ipv6",
      link: l.name,
      mark: l.mark,
      mask: desired.marks.mask,
    });
  return cmds;
}

/** IPv6's lines (`ip -6 -batch`): what IPv6 links want; with none, only wanpilot's own leftovers go. */
function planIpv6(desired: DesiredState, observed: ObservedState): string[] {
  if (observed.v6 === undefined) return [];
  const want = desired.v6 ?? { rules: [], routes: [] };
  const routes = planRoutes(want, observed.v6);
  const rules = planRules(want, observed.v6);
  return [...routes.add, ...rules.add, ...rules.del, ...routes.del];
}

/** The whole table when its structure differs; otherwise only the via chains whose verdict changed. */
function planNft(desired: DesiredState, observed: ObservedState): string | null {
  if (observed.nftHash !== desired.nft.hash) return desired.nft.text;
  const changed = [...desired.nft.vias].filter(([name, v]) => observed.nftVias[name] !== v.tag);
  return changed.length === 0 ? null : renderViaUpdate(changed.map(([name, v]) => [name, v.line]));
}

const isInterfaceKey = (key: string) =>
  (key.startsWith("net.ipv4.conf.") || key.startsWith("net.ipv6.conf.")) && !key.includes(".conf.all.");

function sameSysctl(have: string | undefined, want: string): boolean {
  if (have === undefined) return false;
  const a = Number(have.trim());
  const b = Number(want);
  return Number.isNaN(a) || Number.isNaN(b) ? have.trim() === want : a === b;
}

/**
 * Links whose connections to delete: carrying traffic before (live, or in the default route while
 * failing open), not live now; at start, links found down. Whatever `flush_on_down` says: a link an
 * operator disabled, and a link a reload removed. A drained link keeps its connections.
 */
export function linksToFlush(prev: LinkView[] | null, next: LinkView[], flushOnDown: boolean): LinkView[] {
  const before = new Map((prev ?? []).map((l) => [l.name, l]));
  const names = new Set(next.map((l) => l.name));
  const removed = (prev ?? []).filter((l) => !names.has(l.name));
  const disabled = next.filter(
    (l) => l.override?.admin === "disable" && before.get(l.name)?.override?.admin !== "disable",
  );
  return [...removed, ...disabled, ...(flushOnDown ? downLinks(before, prev === null, next) : [])];
}

function downLinks(before: Map<string, LinkView>, atStart: boolean, next: LinkView[]): LinkView[] {
  return next.filter((l) => {
    // Unknown is no verdict (a restarted prober starts there): its connections stay.
    if (l.state === "unknown" || (l.override !== null && l.override.admin !== null)) return false;
    if (l.live) return false;
    const was = before.get(l.name);
    if (was === undefined) return atStart && l.state === "down";
    return was.live || (was.active && l.state === "down");
  });
}

/** Everything wanpilot created, removed: its tagged rules, routes and nexthops, `inet wanpilot`; sysctls it changed, restored. */
export function planCleanup(observed: ObservedState, sysctls: Record<string, string> = {}): Command[] {
  const lines = [
    ...observed.rules.filter(inRange).map((r) => `rule del ${ruleKey(r)} protocol ${RT_PROTO}`),
    ...observed.routes.filter(ownRoute).map(routeDelLine),
    ...deleteLines(observed.nexthops.filter(ownNexthop)),
  ];
  const cmds: Command[] = Object.entries(sysctls).map(([key, value]) => ({
    kind: "sysctl" as const,
    key,
    value,
  }));
  if (observed.nftHash !== null)
    cmds.push({ kind: "nft", text: "table inet wanpilot {}\ndelete table inet wanpilot\n" });
  if (lines.length > 0) cmds.push({ kind: "ip-batch", lines });
  const v6 = observed.v6 ?? { rules: [], routes: [] };
  const lines6 = [
    ...v6.rules.filter(inRange).map((r) => `rule del ${ruleKey(r)} protocol ${RT_PROTO}`),
    ...v6.routes.filter(ownRoute).map(routeDelLine),
  ];
  if (lines6.length > 0) cmds.push({ kind: "ip-batch", family: 6, lines: lines6 });
  return cmds;
}

/** The observed state after `desired` was applied without error (saves re-reading the kernel). */
export function appliedState(desired: DesiredState, observed: ObservedState): ObservedState {
  return {
    ...(observed.foreign === undefined ? {} : { foreign: observed.foreign }),
    rules: [...observed.rules.filter((r) => !inRange(r)), ...desired.rules],
    routes: [...observed.routes.filter((r) => !ownRoute(r)), ...desired.routes],
    nexthops: [...observed.nexthops.filter((o) => !ownNexthop(o)), ...desired.nexthops],
    ...(observed.v6 === undefined
      ? {}
      : {
          v6: {
            rules: [...observed.v6.rules.filter((r) => !inRange(r)), ...(desired.v6?.rules ?? [])],
            routes: [...observed.v6.routes.filter((r) => !ownRoute(r)), ...(desired.v6?.routes ?? [])],
          },
        }),
    nftHash: desired.nft.hash,
    nftVias: Object.fromEntries([...desired.nft.vias].map(([name, v]) => [name, v.tag])),
    sysctls: {
      ...observed.sysctls,
      ...Object.fromEntries(
        Object.entries(desired.sysctls).filter(
          ([k]) => !isInterfaceKey(k) || observed.sysctls[k] !== undefined,
        ),
      ),
    },
  };
}
