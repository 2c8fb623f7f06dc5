import { KERNEL_TABLE } from "@wanpilot/common";
import type { NexthopSpec, RouteSpec, RuleSpec } from "./model.js";

const TABLE_NAMES: Record<string, number> = KERNEL_TABLE;

function tableId(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value !== "string") return KERNEL_TABLE.main; // `ip -json route` omits the table for main
  return TABLE_NAMES[value] ?? Number(value);
}

const rec = (v: unknown): Record<string, unknown> =>
  typeof v === "object" && v !== null ? (v as Record<string, unknown>) : {};
const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
const num = (v: unknown, fallback: number): number =>
  typeof v === "number" ? v : typeof v === "string" && v !== "" ? Number(v) : fallback;

/** The routing protocol an object carries (`ip -N -json`), null when none. */
export function protocolOf(raw: unknown): number | null {
  const p = rec(raw).protocol;
  return p === undefined ? null : num(p, -1);
}

/** Keys of a rule that select nothing: a rule with only these catches every packet. */
const NO_SELECTOR = new Set(["priority", "src", "table", "protocol", "action", "flags"]);

/** A rule with no selector (no source, mark, interface, port…): it catches every packet. */
export function matchesAll(raw: unknown): boolean {
  const r = rec(raw);
  return (r.src ?? "all") === "all" && Object.keys(r).every((k) => NO_SELECTOR.has(k));
}

const hostLength = (address: string) => (address.includes(":") ? 128 : 32);

/** `ip -json rule show` → rules (either family). */
export function parseRules(json: unknown): RuleSpec[] {
  if (!Array.isArray(json)) return [];
  return json.map((raw): RuleSpec => {
    const r = rec(raw);
    const src = str(r.src) ?? "all";
    const srclen = r.srclen;
    const fwmark = r.fwmark === undefined ? null : num(r.fwmark, 0);
    const iif = str(r.iif);
    // A single port is printed as `sport`, a range as `sport_start`/`sport_end`.
    const sportFirst = r.sport_start ?? r.sport;
    return {
      ...(iif === null ? {} : { iif }),
      ...(sportFirst === undefined
        ? {}
        : { sport: { first: num(sportFirst, 0), last: num(r.sport_end ?? sportFirst, 0) } }),
      priority: num(r.priority, 0),
      src:
        src !== "all" && typeof srclen === "number" && srclen !== hostLength(src) ? `${src}/${srclen}` : src,
      fwmark,
      fwmask: fwmark === null ? null : num(r.fwmask, 0xffffffff),
      table: tableId(r.table),
      suppressPrefixLength: r.suppress_prefixlen === undefined ? null : num(r.suppress_prefixlen, 0),
    };
  });
}

function nexthop(raw: unknown): NexthopSpec {
  const n = rec(raw);
  return { gateway: str(n.gateway), dev: str(n.dev) ?? "", weight: num(n.weight, 1) };
}

/** `ip -4 -json route show table all` → routes (only unicast and unreachable are wanpilot's kinds). */
export function parseRoutes(json: unknown): RouteSpec[] {
  if (!Array.isArray(json)) return [];
  return json.map((raw): RouteSpec => {
    const r = rec(raw);
    // With -N, IPv6 prints route types as numbers (7 = RTN_UNREACHABLE).
    const type = r.type === "7" || r.type === 7 ? "unreachable" : (str(r.type) ?? "unicast");
    const nexthops = Array.isArray(r.nexthops)
      ? r.nexthops.map(nexthop)
      : r.dev === undefined
        ? []
        : [nexthop(r)];
    return {
      table: tableId(r.table),
      dst: str(r.dst) ?? "default",
      type: type === "unreachable" ? "unreachable" : "unicast",
      metric: num(r.metric, 0),
      nexthops: type === "unicast" ? nexthops : [],
      src: str(r.prefsrc),
      ...(typeof r.nhid === "number" ? { nhid: r.nhid } : {}),
    };
  });
}

/** One IPv4 address of an interface; `peer` on point-to-point links (PPP). */
export interface InterfaceAddress {
  local: string;
  prefixLength: number;
  peer: string | null;
}

/**
 * `ip -4 -json addr show` → interface → its IPv4 addresses; with `inet6`, `ip -6 -json addr show` → its
 * global IPv6 addresses (link-local ones are never a link's source).
 */
export function parseAddresses(
  json: unknown,
  family: "inet" | "inet6" = "inet",
): Map<string, InterfaceAddress[]> {
  const out = new Map<string, InterfaceAddress[]>();
  if (!Array.isArray(json)) return out;
  for (const raw of json) {
    const i = rec(raw);
    const name = str(i.ifname);
    // Set administratively down, an interface holds no routes (the kernel flushes them): no usable address.
    if (Array.isArray(i.flags) && !i.flags.includes("UP")) continue;
    const infos = Array.isArray(i.addr_info)
      ? i.addr_info
          .map(rec)
          // `ip -N` prints scopes as numbers: 0 is "global".
          .filter(
            (a) => a.family === family && (family === "inet" || a.scope === "global" || a.scope === "0"),
          )
      : [];
    const addresses = infos.flatMap((a): InterfaceAddress[] => {
      const local = str(a.local);
      const peer = str(a.address);
      if (local === null) return [];
      return [
        { local, prefixLength: num(a.prefixlen, hostLength(local)), peer: peer === local ? null : peer },
      ];
    });
    if (name !== null && addresses.length > 0) out.set(name, addresses);
  }
  return out;
}
