/**
 * `wanpilot exec --link NAME -- CMD…`: the command runs under a user id of its own that no other
 * process has, and policy rules on that uid send its connections through the link's table only.
 * The uid is in the flow of the very first route lookup (connect, sendto), so even the source
 * address is the link's: no mark set after the fact, no rerouting, no NAT fix-up. Pure: the rules as
 * `ip -batch` lines; the adapter runs them.
 */

/**
 * Before wanpilot's own range (10000–10999), so the router never takes them for its own or for a
 * stranger in its range: main's specific routes first (the LAN stays the LAN), then the link's table,
 * then a refusal, so a link without a route fails instead of leaking to another link.
 */
export const EXEC_PRIORITY = { suppressMain: 9900, link: 9901, refuse: 9902 } as const;
/** The rules' `protocol`: unassigned in rtnetlink.h, and not the router's (77). */
export const EXEC_RT_PROTO = 78;
/** Transient uids: far above any account (useradd's ranges end at 60000; systemd's dynamic users below 65520). */
export const EXEC_UID = { min: 2_000_000_000, count: 100_000_000 } as const;

export interface ExecRules {
  /** `ip -4 -batch -` lines. */
  ipv4: string[];
  /** `ip -6 -batch -` lines: IPv6 is refused (links route IPv4), so nothing leaves by another link. */
  ipv6: string[];
}

const sel = (uid: number) => `uidrange ${uid}-${uid} protocol ${EXEC_RT_PROTO}`;

/** The rules that pin `uid` to `table`. */
export function execRules(uid: number, table: number): ExecRules {
  const p = EXEC_PRIORITY;
  return {
    ipv4: [
      `rule add priority ${p.suppressMain} ${sel(uid)} lookup main suppress_prefixlength 0`,
      `rule add priority ${p.link} ${sel(uid)} lookup ${table}`,
      `rule add priority ${p.refuse} ${sel(uid)} prohibit`,
    ],
    ipv6: [`rule add priority ${p.refuse} ${sel(uid)} prohibit`],
  };
}

/** Deletes what execRules added for `uid`, whatever the table (also for rules left by a killed exec). */
export function dropRules(uid: number): ExecRules {
  const p = EXEC_PRIORITY;
  return {
    ipv4: [p.suppressMain, p.link, p.refuse].map((prio) => `rule del priority ${prio} ${sel(uid)}`),
    ipv6: [`rule del priority ${p.refuse} ${sel(uid)}`],
  };
}

/** A uid in the transient range that no process has and no rule uses, starting from one drawn from the pid. */
export function pickUid(pid: number, taken: ReadonlySet<number>): number {
  for (let i = 0; i < 1000; i++) {
    const uid = EXEC_UID.min + ((pid * 1000 + i) % EXEC_UID.count);
    if (!taken.has(uid)) return uid;
  }
  throw new RangeError("no free transient uid (1000 tried)");
}

/** One `ip -json rule show` entry, as far as exec rules need it. */
interface RuleJson {
  priority?: unknown;
  protocol?: unknown;
  uid_start?: unknown;
  uid_end?: unknown;
}

/** The uids of exec rules in an `ip -json rule show` listing. */
export function execRuleUids(listing: unknown): number[] {
  const rules = Array.isArray(listing) ? (listing as RuleJson[]) : [];
  const uids = rules
    .filter(
      (r) =>
        String(r.protocol) === String(EXEC_RT_PROTO) &&
        typeof r.uid_start === "number" &&
        r.uid_start === r.uid_end &&
        Object.values(EXEC_PRIORITY).includes(r.priority as 9900),
    )
    .map((r) => r.uid_start as number);
  return [...new Set(uids)];
}
