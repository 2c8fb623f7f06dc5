import type { DesiredState, ObservedState } from "./model.js";
import { PRIORITY } from "./model.js";
import { routeId, ruleKey } from "./plan.js";

/** Others' objects where wanpilot works: reported; `conflicts` are the ones it cannot work beside. */
export interface Ownership {
  /** Left alone and reported (log, router state, check-config). */
  foreign: string[];
  /** A foreign rule that would shadow wanpilot's, or an object at a place wanpilot must write: refusal to start. */
  conflicts: string[];
}

/**
 * (desired, observed) → the foreign objects in wanpilot's ranges and tables. A rule without any
 * selector in the range, before the balance rule, catches every packet before wanpilot's rules do;
 * a foreign route or nexthop at the exact place of one of wanpilot's would be replaced by it.
 */
export function ownership(desired: DesiredState, observed: ObservedState): Ownership {
  const foreign: string[] = [];
  const conflicts: string[] = [];
  const f = observed.foreign;
  if (f === undefined) return { foreign, conflicts };
  for (const r of f.rules) {
    const what = `rule "${ruleKey(r)}" (not wanpilot's)`;
    const shadows = r.matchesAll && r.suppressPrefixLength === null && r.priority < PRIORITY.balance;
    if (shadows) conflicts.push(`${what} catches every packet before wanpilot's rules at ${r.priority + 1}+`);
    else foreign.push(`${what} in wanpilot's priority range ${PRIORITY.min}-${PRIORITY.max}`);
  }
  const tables = new Set(desired.ownedTables);
  const wanted = new Set(desired.routes.map(routeId));
  for (const r of f.routes.filter((x) => tables.has(x.table))) {
    const what = `route "${routeId(r)}" (not wanpilot's)`;
    if (wanted.has(routeId(r))) conflicts.push(`${what} is where wanpilot must put its own`);
    else foreign.push(`${what} in wanpilot's table ${r.table}`);
  }
  // Nexthop ids matter only where wanpilot uses them (balance.hash: host).
  const ids = new Set(desired.nexthops.map((n) => n.id));
  for (const n of f.nexthops.filter((x) => ids.has(x.id)))
    conflicts.push(`nexthop id ${n.id} (not wanpilot's) is an id wanpilot must use`);
  return { foreign, conflicts };
}
