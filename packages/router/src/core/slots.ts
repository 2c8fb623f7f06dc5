/**
 * A link's slot (1-based) gives its mark, rule priorities and nexthop id. Slots belong to link
 * names: a link keeps its slot across reorders, additions and removals of others, so a restarted
 * router sends a sticky connection out of the same link. Slot 0 is "no link".
 */
export type SlotTable = Record<string, number>;

/** Previous slots kept for names still configured; new names take the lowest free slot (config order). */
export function allocateSlots(names: readonly string[], previous: SlotTable, capacity: number): SlotTable {
  const out: SlotTable = {};
  const taken = new Set<number>();
  for (const name of names) {
    const slot = previous[name];
    if (slot !== undefined && Number.isInteger(slot) && slot >= 1 && slot <= capacity && !taken.has(slot)) {
      out[name] = slot;
      taken.add(slot);
    }
  }
  let next = 1;
  for (const name of names) {
    if (out[name] !== undefined) continue;
    while (taken.has(next)) next++;
    out[name] = next;
    taken.add(next);
  }
  return out;
}
