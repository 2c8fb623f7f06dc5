import { balanceTableId } from "@wanpilot/common";
import type { KernelView } from "./machine.js";

/** What the kernel says about a link's interface, reduced to what the prober acts on. */
export interface KernelFacts {
  view: KernelView;
  /** The next hop: configured, else the gateway of a default route on the interface, else a p2p peer. */
  gateway: string | null;
  /** The prefix length of the source on the interface (published, so the router reads no address for it). */
  prefixLength: number | null;
  /** The router's path for the link exists: its table's default route on the interface and its mark rule. */
  path: boolean;
}

/** What the router installs for a link, that its probes need: `ip rule fwmark <mark>/<mask> lookup <table>`. */
export interface PathSpec {
  table: number;
  mark: number;
  mask: number;
}

interface IpRule {
  fwmark?: string;
  fwmask?: string;
  table?: string;
}

/**
 * Whether probes can leave through the link's own path: `ip -N -json -4 route show table all dev X` holds
 * a default route in the link's table and `ip -N -json rule show` the link's mark rule (the router installs
 * both; before that, probes fail or, through main's default route, leave by another link).
 */
export function pathReady(routes: unknown, rules: unknown, want: PathSpec): boolean {
  const table = String(want.table);
  const route = asArray<IpRoute>(routes).some((r) => r.dst === "default" && r.table === table);
  const rule = asArray<IpRule>(rules).some(
    (r) =>
      r.table === table &&
      r.fwmark !== undefined &&
      Number(r.fwmark) === want.mark &&
      // `ip` omits the mask when it is all ones.
      Number(r.fwmask ?? 0xffffffff) === want.mask,
  );
  return route && rule;
}

interface IpLink {
  flags?: string[];
}
interface IpAddr {
  addr_info?: {
    family?: string;
    local?: string;
    address?: string;
    prefixlen?: number;
    secondary?: boolean;
    scope?: string | number;
  }[];
}
interface IpRoute {
  dst?: string;
  gateway?: string;
  table?: string;
  metric?: number;
}

function asArray<T>(json: unknown): T[] {
  return Array.isArray(json) ? (json as T[]) : [];
}

/**
 * Reduces `ip -json link show dev X`, `ip -json -4 addr show dev X`, `ip -json -4 route show table all
 * dev X` (undefined when the device does not exist) and `ip -json rule show` to the facts the machine
 * needs. Without `path` the path is not checked (true).
 */
export function kernelFacts(
  raw: { link: unknown; addr: unknown; routes: unknown; rules?: unknown } | undefined,
  configured: { source?: string; gateway?: string },
  ownTables: readonly number[] = [],
  path?: PathSpec,
  family: 4 | 6 = 4,
): KernelFacts {
  const none = { present: false, carrier: false, source: null };
  const absent = { view: none, gateway: configured.gateway ?? null, prefixLength: null, path: false };
  if (raw === undefined) return absent;
  const link = asArray<IpLink>(raw.link)[0];
  if (link === undefined) return absent;
  const flags = link.flags ?? [];
  // LOWER_UP is the carrier; an interface set administratively down carries nothing either.
  const carrier = flags.includes("LOWER_UP") && flags.includes("UP");
  // IPv6: only global addresses can be a link's source (link-local ones exist on every interface).
  const addrs = asArray<IpAddr>(raw.addr)
    .flatMap((a) => a.addr_info ?? [])
    .filter((a) => (family === 4 ? a.family === "inet" : a.family === "inet6" && isGlobalScope(a.scope)));
  const primary = addrs.filter((a) => a.secondary !== true);
  const source =
    configured.source !== undefined
      ? addrs.some((a) => a.local === configured.source)
        ? configured.source
        : null
      : (primary[0]?.local ?? addrs[0]?.local ?? null);
  return {
    view: { present: true, carrier, source },
    gateway: configured.gateway ?? learnedGateway(raw.routes, addrs, ownTables),
    prefixLength: addrs.find((a) => a.local === source)?.prefixlen ?? null,
    path: path === undefined ? true : pathReady(raw.routes, raw.rules, path),
  };
}

/** `ip -N` prints scopes as numbers: 0 is RT_SCOPE_UNIVERSE ("global"). */
export const isGlobalScope = (scope: unknown): boolean => scope === "global" || scope === "0" || scope === 0;

function learnedGateway(
  routes: unknown,
  addrs: { local?: string; address?: string }[],
  ownTables: readonly number[],
): string | null {
  // Routes in wanpilot's own tables were written by the router from what this prober published:
  // learning from them would never see the DHCP client's change. `ip -json` omits `table` for main.
  const own = new Set(ownTables.map(String));
  const defaults = asArray<IpRoute>(routes)
    .filter((r) => r.dst === "default" && r.gateway !== undefined && !own.has(r.table ?? "main"))
    .sort((a, b) => (a.metric ?? 0) - (b.metric ?? 0));
  if (defaults[0]?.gateway !== undefined) return defaults[0].gateway;
  // A point-to-point link (PPP) has a peer address instead of a gateway.
  const peer = addrs.find((a) => a.address !== undefined && a.address !== a.local);
  return peer?.address?.split("/")[0] ?? null;
}

/**
 * The fast path for carrier loss: an `ip monitor link` line about `dev` that shows it without carrier
 * ("3: wan1: <NO-CARRIER,BROADCAST,UP> ... state DOWN") or deleted. undefined for every other line; the
 * full `ip -json` read that follows every event confirms either way.
 */
export function carrierLossFromMonitorLine(line: string, dev: string): "carrier" | "gone" | undefined {
  const m = /^(Deleted )?\d+: ([^:@\s]+)(?:@[^:\s]+)?: <([^>]*)>/.exec(line);
  if (m === null || m[2] !== dev) return undefined;
  if (m[1] !== undefined) return "gone";
  const flags = (m[3] ?? "").split(",");
  return flags.includes("NO-CARRIER") || !flags.includes("UP") ? "carrier" : undefined;
}

/**
 * The routing tables wanpilot's router owns: every link's table and the balance table (100, or the first
 * id below 101, then above, that no link uses: `balanceTableId` in common).
 */
export function wanpilotTables(linkTables: readonly number[]): number[] {
  return [...linkTables, balanceTableId(linkTables)];
}

/**
 * Whether an `ip -N monitor link address route rule` line may change this link's facts: it names the
 * device as a word ("2: wan1: <…>", "… dev wan1 …"; wan1 is not wan10), is a rule of the link's table, or
 * is a deletion (a deleted device may print only its index). A substring match made wan1's prober re-read
 * (four `ip` processes) on every line about wan10…wan16.
 */
export function monitorLineConcerns(line: string, dev: string, table: number): boolean {
  if (line.startsWith("Deleted")) return true;
  if (new RegExp(`(?:^|[\\s:])${escapeRegExp(dev)}(?:[\\s:@]|$)`).test(line)) return true;
  return new RegExp(`\\blookup ${table}(?:\\s|$)`).test(line);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
