import { setTimeout as sleep } from "node:timers/promises";
import type { Stream, StreamGroup } from "@wanpilot/lab";

/** Each stream's echoed bytes before a step, for the streams open then (an earlier step may have closed some). */
export type StreamSnapshot = ReadonlyMap<Stream, number>;

/**
 * One family's long-lived LAN streams: a first group, and more opened when a step would otherwise have none to
 * watch. The kernel spreads streams by hash, so six can all land on one ISP (all IPv6 ones on isp3 and isp1,
 * then isp1's cut closed isp1's: the IPv6-only fault of isp3 had 0 streams on the other ISPs to check).
 */
export class StreamPool {
  private readonly groups: StreamGroup[] = [];

  private constructor(private readonly open: () => Promise<StreamGroup>) {}

  static async start(open: () => Promise<StreamGroup>): Promise<StreamPool> {
    const pool = new StreamPool(open);
    pool.groups.push(await open());
    return pool;
  }

  get streams(): Stream[] {
    return this.groups.flatMap((g) => g.streams);
  }

  /**
   * Opens more groups, at most `tries`, until an open stream passes `wanted`; returns the groups it opened.
   * Bounded: each group is one more client process and its connections.
   */
  async topUp(wanted: (s: Stream) => boolean, tries: number): Promise<StreamGroup[]> {
    const opened: StreamGroup[] = [];
    while (opened.length < tries && !this.streams.some((s) => !s.closed() && wanted(s))) {
      const group = await this.open();
      this.groups.push(group);
      opened.push(group);
    }
    return opened;
  }

  snapshot(): StreamSnapshot {
    return new Map(this.streams.filter((s) => !s.closed()).map((s) => [s, s.bytes()]));
  }

  async stop(): Promise<void> {
    await Promise.all(this.groups.map((g) => g.stop().catch(() => undefined)));
  }
}

/** "3 via isp2, 2 via isp3, 1 via isp1" */
export function describeStreams(streams: readonly Stream[]): string {
  const by = new Map<string, number>();
  for (const s of streams) by.set(s.isp ?? "?", (by.get(s.isp ?? "?") ?? 0) + 1);
  return [...by].map(([isp, n]) => `${n} via ${isp}`).join(", ");
}

/**
 * After a step: did every stream open before it (on another ISP than `changedIsp`, when given) keep flowing?
 * Waits up to `timeoutMs` for each to echo more bytes than before the step: a loaded machine may run the
 * stream client late, and a stream that closed is answered at once.
 */
export async function streamCheck(
  pool: StreamPool,
  before: StreamSnapshot,
  changedIsp: string | null,
  which: string,
  timeoutMs: number,
): Promise<string> {
  const others = pool.streams.filter((s) => before.has(s) && (changedIsp === null || s.isp !== changedIsp));
  const flowing = (s: Stream) => !s.closed() && s.bytes() > (before.get(s) ?? 0);
  const end = Date.now() + timeoutMs;
  while (Date.now() < end && others.some((s) => !s.closed() && !flowing(s))) await sleep(100);
  const n = others.filter(flowing).length;
  const none = n === others.length ? ", none interrupted" : "";
  return `${n} of ${others.length} ${which} kept flowing (bytes still counted)${none}`;
}
