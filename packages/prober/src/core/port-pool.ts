import type { PortRange } from "@wanpilot/common";

/**
 * The link's local ports for socket probes, handed out round-robin (a port just released is the last
 * one reused). Pure: the socket prober takes a port before a probe and gives it back when it settles.
 */
export interface PortPool {
  range: PortRange;
  inUse: ReadonlySet<number>;
  /** The port after the one handed out last. */
  next: number;
}

export function newPortPool(range: PortRange): PortPool {
  return { range, inUse: new Set(), next: range.first };
}

/** A free port and the pool holding it; port null when every port is in use. */
export function takePort(pool: PortPool): { pool: PortPool; port: number | null } {
  const size = pool.range.last - pool.range.first + 1;
  for (let k = 0; k < size; k++) {
    const port = pool.range.first + ((pool.next - pool.range.first + k) % size);
    if (pool.inUse.has(port)) continue;
    const next = port === pool.range.last ? pool.range.first : port + 1;
    return { pool: { ...pool, inUse: new Set([...pool.inUse, port]), next }, port };
  }
  return { pool, port: null };
}

export function releasePort(pool: PortPool, port: number): PortPool {
  const inUse = new Set(pool.inUse);
  inUse.delete(port);
  return { ...pool, inUse };
}
