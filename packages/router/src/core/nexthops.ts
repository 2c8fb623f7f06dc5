import type { DefaultRoute, LinkConfig } from "@wanpilot/common";
import { type LinkInput, type NexthopObject, RT_PROTO } from "./model.js";

/**
 * Nexthop object ids wanpilot owns (`ip nexthop`), used only with `balance.hash: host`: one per link
 * (10001 + link slot - 1) and one resilient group (10900) that the balance table's default route uses.
 */
export const NEXTHOP_ID = { min: 10000, max: 10999, link: 10001, group: 10900 } as const;

/**
 * A resilient group moves a hash bucket (a LAN host, with hash: host) to another link only when its
 * link leaves the group, or when the bucket has been idle this long; never while it is busy.
 */
export const RESILIENT = { buckets: 256, idleTimerS: 120, unbalancedTimerS: 0 } as const;

export const ownNexthop = (o: NexthopObject) => o.id >= NEXTHOP_ID.min && o.id <= NEXTHOP_ID.max;
const isGroup = (o: NexthopObject) => o.spec.startsWith("group ");

function memberSpec(gateway: string | null, dev: string): string {
  return `${gateway === null ? "" : `via ${gateway} `}dev ${dev}`;
}

function groupSpec(members: Array<{ id: number; weight: number }>): string {
  const list = members.map((m) => `${m.id},${m.weight}`).join("/");
  const { buckets, idleTimerS, unbalancedTimerS } = RESILIENT;
  return `group ${list} type resilient buckets ${buckets} idle_timer ${idleTimerS} unbalanced_timer ${unbalancedTimerS}`;
}

/** The member nexthops and the resilient group for a default route (members first, as they must exist first). */
export function resilientNexthops(
  route: DefaultRoute,
  links: LinkConfig[],
  inputs: Map<string, LinkInput>,
  slotOf: (link: LinkConfig) => number,
): NexthopObject[] {
  const members = route.nexthops.flatMap((n) => {
    const link = links.find((l) => l.name === n.link);
    if (link === undefined) return [];
    const id = NEXTHOP_ID.link + slotOf(link) - 1;
    return [{ id, weight: n.weight, spec: memberSpec(inputs.get(n.link)?.gateway ?? null, link.interface) }];
  });
  if (members.length === 0) return [];
  return [
    ...members.map(({ id, spec }) => ({ id, spec })),
    { id: NEXTHOP_ID.group, spec: groupSpec(members) },
  ];
}

const rec = (v: unknown): Record<string, unknown> =>
  typeof v === "object" && v !== null ? (v as Record<string, unknown>) : {};

/** `ip -json nexthop show` → objects in the canonical spelling of `resilientNexthops`. */
export function parseNexthops(json: unknown): NexthopObject[] {
  if (!Array.isArray(json)) return [];
  return json.map((raw): NexthopObject => {
    const n = rec(raw);
    const id = Number(n.id);
    if (!Array.isArray(n.group)) {
      const gateway = typeof n.gateway === "string" ? n.gateway : null;
      return { id, spec: memberSpec(gateway, typeof n.dev === "string" ? n.dev : "") };
    }
    const members = n.group.map((m) => ({ id: Number(rec(m).id), weight: Number(rec(m).weight ?? 1) }));
    const args = rec(n.resilient_args);
    const resilient =
      n.type === "resilient" &&
      args.buckets === RESILIENT.buckets &&
      args.idle_timer === RESILIENT.idleTimerS &&
      args.unbalanced_timer === RESILIENT.unbalancedTimerS;
    // Anything but our exact resilient group reads as a different spec, so it is replaced.
    return {
      id,
      spec: resilient ? groupSpec(members) : `group ${JSON.stringify(n.group)} ${String(n.type)}`,
    };
  });
}

/** Lines for `ip -batch`: objects to create or change (members before groups), and stale ones to delete (groups first). */
export function planNexthops(
  desired: NexthopObject[],
  observed: NexthopObject[],
): { add: string[]; del: string[] } {
  const have = new Map(observed.filter(ownNexthop).map((o) => [o.id, o.spec]));
  const want = new Set(desired.map((o) => o.id));
  const add = desired
    .filter((o) => have.get(o.id) !== o.spec)
    .map((o) => `nexthop replace id ${o.id} ${o.spec} proto ${RT_PROTO}`);
  return { add, del: deleteLines(observed.filter((o) => ownNexthop(o) && !want.has(o.id))) };
}

export function deleteLines(objects: NexthopObject[]): string[] {
  return [...objects.filter(isGroup), ...objects.filter((o) => !isGroup(o))].map(
    (o) => `nexthop del id ${o.id}`,
  );
}
