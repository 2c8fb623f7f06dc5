import type { LinkTransition } from "@wanpilot/common";

/** Transitions published but not yet stored by the logger, oldest first, bounded. */
export interface Outbox {
  items: LinkTransition[];
  dropped: number;
}

export const OUTBOX_LIMIT = 1000;

export function emptyOutbox(): Outbox {
  return { items: [], dropped: 0 };
}

export function enqueue(o: Outbox, t: LinkTransition): Outbox {
  const items = [...o.items, t];
  // Memory stays bounded when no logger runs for days; the oldest go first.
  const over = Math.max(0, items.length - OUTBOX_LIMIT);
  return { items: items.slice(over), dropped: o.dropped + over };
}

export function acknowledge(o: Outbox, ids: readonly string[]): Outbox {
  const acked = new Set(ids);
  return { ...o, items: o.items.filter((t) => !acked.has(t.id)) };
}
