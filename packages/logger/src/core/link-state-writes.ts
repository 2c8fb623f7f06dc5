import type { LinkState } from "@wanpilot/common";

/**
 * The probers republish each link's state with every heartbeat (every 2 s), almost always unchanged.
 * Writing each to SQLite (a synchronous WAL commit) was the logger's largest CPU cost; a state is
 * stored when it differs from the last stored one, and otherwise only to refresh `seen` this often.
 */
export const LINK_STATE_REFRESH_MS = 60_000;

/** What was last stored for a link: the fields the `links` table keeps, and when (the state's `at`). */
export interface StoredLinkState {
  interface: string;
  state: LinkState["state"];
  since: string;
  cause: string;
  atMs: number;
}

export function storedView(s: LinkState): StoredLinkState {
  return { interface: s.interface, state: s.state, since: s.since, cause: s.cause, atMs: Date.parse(s.at) };
}

/** Whether `next` is worth a write after `last` (undefined: nothing stored by this process yet). */
export function storeLinkState(
  last: StoredLinkState | undefined,
  next: StoredLinkState,
  refreshMs = LINK_STATE_REFRESH_MS,
): boolean {
  if (last === undefined) return true;
  const same =
    last.interface === next.interface &&
    last.state === next.state &&
    last.since === next.since &&
    last.cause === next.cause;
  // A clock stepped back (next before last) refreshes too: `seen` must not stay in the future.
  return !same || next.atMs - last.atMs >= refreshMs || next.atMs < last.atMs;
}
