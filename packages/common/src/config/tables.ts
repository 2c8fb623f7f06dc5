/** The table wanpilot's default route lives in (the router owns it; the prober must not learn gateways from it). */
export const BALANCE_TABLE_DEFAULT = 100;

/** The kernel's own routing tables, by the names `ip` prints (rt_tables): never a link's or wanpilot's. */
export const KERNEL_TABLE = { unspec: 0, default: 253, main: 254, local: 255 } as const;
export const KERNEL_TABLE_IDS: ReadonlySet<number> = new Set(Object.values(KERNEL_TABLE));

/** The balance table: 100, or the first id below it (then above) that no link uses. */
export function balanceTableId(linkTables: readonly number[]): number {
  const used = new Set(linkTables);
  for (let t = BALANCE_TABLE_DEFAULT; t >= 1; t--) if (!used.has(t)) return t;
  let t = BALANCE_TABLE_DEFAULT;
  while (used.has(t) || KERNEL_TABLE_IDS.has(t)) t++;
  return t;
}
