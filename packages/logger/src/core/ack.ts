import type { EventAck } from "@wanpilot/common";

/** The schema's bound on ids per ack message. */
export const MAX_ACK_IDS = 1000;

/** The acks for a stored batch: every id, stored now or before (a redelivery must be acked again). */
export function acksFor(ids: readonly string[], atMs: number, maxIds = MAX_ACK_IDS): EventAck[] {
  const unique = [...new Set(ids)];
  const at = new Date(atMs).toISOString();
  const acks: EventAck[] = [];
  for (let i = 0; i < unique.length; i += maxIds) acks.push({ ids: unique.slice(i, i + maxIds), at });
  return acks;
}
