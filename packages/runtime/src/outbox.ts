/** Events published but not yet stored by the logger, oldest first, bounded. Pure: the EventOutbox drives it. */
export interface Outbox<T extends { id: string }> {
  items: T[];
  dropped: number;
}

export const OUTBOX_LIMIT = 1000;

export function emptyOutbox<T extends { id: string }>(items: T[] = []): Outbox<T> {
  return { items, dropped: 0 };
}

export function enqueue<T extends { id: string }>(o: Outbox<T>, event: T): Outbox<T> {
  const items = [...o.items, event];
  // Memory stays bounded when no logger runs for days; the oldest go first.
  const over = Math.max(0, items.length - OUTBOX_LIMIT);
  return { items: items.slice(over), dropped: o.dropped + over };
}

export function acknowledge<T extends { id: string }>(o: Outbox<T>, ids: readonly string[]): Outbox<T> {
  const acked = new Set(ids);
  return { ...o, items: o.items.filter((t) => !acked.has(t.id)) };
}
